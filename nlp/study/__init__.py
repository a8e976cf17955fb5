"""The whole study on a corpus, written as tables, figures and one self-contained HTML page.

Three steps, kept apart:

==============  ==========================================================
``compute``     :func:`run_study`: tables only (themes, shares per report, year
                and agency type, change, section profile, regression,
                keyness, topics, design and methods)
``figures``     :func:`make_figures`: figures drawn from those tables
``page``        :func:`write_report`: tables (CSV), figures (PNG, SVG) and
                ``report.html``
==============  ==========================================================

``nlp.report`` is another name for this package, so that the *study report*
is not confused with :class:`nlp.Report`, one government report.

Examples
--------
>>> study = run_study("corpus", random_state=0, n_boot=200)
>>> sorted(study.tables)[:4]
['corpus_summary', 'design_by_agency_type', 'design_by_year', 'design_effects']
"""

from .compute import (
    CAVEAT,
    CAVEAT_CLUSTERED,
    MIN_REPORTS,
    Study,
    change_sentences,
    corpus_summary,
    describe_design,
    methods_notes,
    role_counts,
    run_study,
    themes_by_report,
    themes_wide,
    topic_summary,
)
from .figures import figure_files, make_figures
from .page import font_face_css, render_html, write_report

__all__ = ["Study", "run_study", "make_figures", "figure_files", "write_report", "render_html",
           "corpus_summary", "role_counts", "themes_by_report", "themes_wide",
           "change_sentences", "describe_design", "methods_notes", "topic_summary",
           "font_face_css", "CAVEAT", "CAVEAT_CLUSTERED", "MIN_REPORTS"]
