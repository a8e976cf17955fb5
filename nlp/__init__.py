"""fazhi-nlp: read Chinese government rule-of-law reports at scale.

Data flows one way: files → :class:`Report` → units table → tokens →
features → labels/topics → comparison tables → plots.

Examples
--------
>>> import nlp
>>> report = nlp.read_report("corpus/reports/tieshan_2024.txt")  # doctest: +SKIP
>>> units = nlp.segment(report)                                   # doctest: +SKIP
>>> tokens = nlp.Tokenizer().pipe(units["text"])                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import logging

from .errors import FazhiError, InputError, ModelIntegrityError, ResourceLimitError
from .ingest import Corpus, Limits, Report, load_corpus, read_report
from .segment import segment
from .tokenize import Tokenizer

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# heavier parts are imported on first use, so `import nlp` stays fast
_LAZY = {
    "THEMES": "nlp.labels",
    "read_labels": "nlp.labels",
    "LexiconClassifier": "nlp.classify",
    "ThemeClassifier": "nlp.classify",
    "classify_units": "nlp.classify",
    "TopicModel": "nlp.topics",
    "select_k": "nlp.topics",
    "prevalence": "nlp.topics",
    "run_study": "nlp.report",
    "write_report": "nlp.report",
    "theme_shares": "nlp.compare",
    "emphasis_change": "nlp.compare",
    "section_profile": "nlp.compare",
    "keyness": "nlp.compare",
}
_SUBMODULES = {"compare", "plots", "labels", "classify", "topics", "persist", "report",
               "distributed", "cache"}

__all__ = [
    "Corpus", "Limits", "Report", "Tokenizer", "load_corpus", "read_report", "segment",
    "FazhiError", "InputError", "ModelIntegrityError", "ResourceLimitError",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"nlp.{name}")
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
