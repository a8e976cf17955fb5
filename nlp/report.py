"""Another name for :mod:`nlp.study`, the whole study and its HTML page.

Kept so that ``from nlp.report import run_study`` reads as the study *report*;
one government report is :class:`nlp.Report`.

Examples
--------
>>> from nlp.report import run_study
>>> run_study.__module__
'nlp.study.compute'
"""

from .study import *  # noqa: F403
from .study import __all__  # noqa: F401
