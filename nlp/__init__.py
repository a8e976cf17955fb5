"""fazhi-nlp: read Chinese government rule-of-law reports at scale.

Data flows one way: files → :class:`Report` → units table → tokens →
features → labels/topics → comparison tables → plots and the study page.

==================  =============================================================
``nlp.ingest``      files → :class:`Report` (formats, encodings, clutter, metadata)
``nlp.segment``     :class:`Report` → units (paragraphs and 一是…二是… items)
``nlp.corpus``      a folder of reports, ``reports.csv``, units with metadata
``nlp.tokenize``    :class:`Tokenizer`
``nlp.codebook``    the theme set (codebook files), 其他, roles and label sets
``nlp.labels``      reading label tables, inter-coder agreement
``nlp.classify``    theme classifiers (lexicon, TF-IDF model), training
``nlp.topics``      LDA topic models and choosing k
``nlp.compare``     shares, change, profiles, prevalence, keyness
``nlp.plots``       figures, one module per family
``nlp.study``       the whole study and its HTML page (also ``nlp.report``)
``nlp.streaming``   file-to-table runs chunk by chunk
``nlp.persist``     atomic writes, tables, manifests
``nlp.cache``       token and result caches
``nlp.distributed`` the same runs on a Dask cluster
==================  =============================================================

Examples
--------
>>> import nlp
>>> report = nlp.read_report("corpus/reports/tieshan_2024.txt")
>>> report.year
2024
>>> units = nlp.segment(report)
>>> nlp.Tokenizer().pipe(units["text"][:1], progress=False)[0][:3]
['开发区', '铁山区', '教育局']
"""

from __future__ import annotations

import importlib
import logging

from ._version import __version__
from .corpus import Corpus, load_corpus
from .errors import FazhiError, InputError, ModelIntegrityError, ResourceLimitError
from .ingest import Limits, Report, read_report
from .segment import segment
from .tokenize import Tokenizer

logging.getLogger(__name__).addHandler(logging.NullHandler())

# heavier parts are imported on first use, so `import nlp` stays fast
_LAZY = {
    "THEMES": "nlp.codebook",
    "OTHER": "nlp.codebook",
    "Codebook": "nlp.codebook",
    "load_codebook": "nlp.codebook",
    "check_codebook": "nlp.codebook",
    "parse_labels": "nlp.codebook",
    "read_labels": "nlp.labels",
    "agreement": "nlp.labels",
    "LexiconClassifier": "nlp.classify",
    "ThemeClassifier": "nlp.classify",
    "classify_units": "nlp.classify",
    "TopicModel": "nlp.topics",
    "select_k": "nlp.topics",
    "prevalence": "nlp.compare",
    "run_study": "nlp.study",
    "write_report": "nlp.study",
    "theme_shares": "nlp.compare",
    "emphasis_change": "nlp.compare",
    "section_profile": "nlp.compare",
    "keyness": "nlp.compare",
}
_SUBMODULES = {"compare", "plots", "labels", "classify", "topics", "persist", "study",
               "distributed", "cache", "streaming", "codebook", "corpus", "ingest"}
#: ``nlp.report`` is the study (not one :class:`Report`)
_ALIASES = {"report": "study"}

__all__ = [
    "Corpus", "Limits", "Report", "Tokenizer", "load_corpus", "read_report", "segment",
    "FazhiError", "InputError", "ModelIntegrityError", "ResourceLimitError", "__version__",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES or name in _ALIASES:
        return importlib.import_module(f"nlp.{_ALIASES.get(name, name)}")
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES | set(_ALIASES))
