"""Theme classifiers for report units: a transparent lexicon baseline and a trained model.

Both share one API: ``predict(texts) -> list of theme tuples`` (empty = 其他),
``predict_proba(texts) -> DataFrame`` (one column per theme), ``evaluate``,
``cross_validate``, ``explain`` and ``top_terms``.

==============  ==========================================================
``base``        the API both classifiers share
``inputs``      checks of texts and label sets
``lexicon``     the weighted lexicon and :class:`LexiconClassifier`
``features``    the TF-IDF feature space and passages of a unit
``calibration`` grouped folds, Platt scaling, thresholds
``exemplars``   written training passages: reading and mixing
``metrics``     per-theme precision, recall and F1
``model``       :class:`ThemeClassifier`
``model_io``    saving and loading models (skops, checksums)
``apply``       themes for a units table, and per-group summaries
``sampling``    which units to label next
``training``    cross-validate and fit from label tables
==============  ==========================================================

Examples
--------
>>> LexiconClassifier().predict(["全面推行双随机一公开监管,开展行政检查"])
[('行政执法',)]
"""

from ..codebook import OTHER, THEMES, Codebook, load_codebook
from .apply import PROBA_PREFIX, classify_units, theme_summary
from .calibration import choose_threshold, fit_platt, grouped_folds
from .exemplars import codebook_exemplars
from .features import FeatureSpace, split_passages
from .lexicon import LEXICON_THRESHOLD, Lexicon, LexiconClassifier, blend_lexicon, load_lexicon
from .metrics import evaluate_labels, evaluation_table
from .model import ThemeClassifier
from .sampling import STRATEGIES, sample_units
from .training import cv_comparison, format_cv_table, train_model

__all__ = ["LexiconClassifier", "ThemeClassifier", "classify_units", "sample_units",
           "train_model", "theme_summary", "cv_comparison", "format_cv_table",
           "evaluation_table", "evaluate_labels", "fit_platt", "choose_threshold",
           "grouped_folds", "Lexicon", "load_lexicon", "blend_lexicon", "FeatureSpace",
           "split_passages", "THEMES", "OTHER", "PROBA_PREFIX", "STRATEGIES",
           "LEXICON_THRESHOLD", "Codebook", "load_codebook", "codebook_exemplars"]
