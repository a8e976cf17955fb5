"""Figures from the comparison and model tables, one module per figure family.

Every function takes a tidy DataFrame and an optional ``ax``, draws, and
returns the :class:`~matplotlib.axes.Axes`; none calls ``plt.show()`` or
``savefig``.  Chinese text is drawn with the bundled CJK font without changing
matplotlib's global settings (see :mod:`nlp.plots.base`).

==============  ==========================================================
``shares``      :func:`plot_theme_shares`, :func:`plot_shares_over`,
                :func:`plot_emphasis_change`
``effects``     :func:`plot_effects`: regression effects (forest plot)
``profiles``    :func:`plot_section_profile`
``keyness``     :func:`plot_keyness`
``topics``      :func:`plot_topic_prevalence`, :func:`plot_coherence`
``confusion``   :func:`plot_confusion`
``base``        the font, new axes, colours and the heatmap all share
==============  ==========================================================

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"year": [2021, 2021], "theme": ["普法宣传", "放管服"], "share": [0.4, 0.1]})
>>> plot_theme_shares(df).get_title()
'主题占比 / theme shares'
"""

from .base import cjk_font_path, use_cjk_font
from .confusion import plot_confusion
from .effects import plot_effects
from .keyness import plot_keyness
from .profiles import plot_section_profile
from .shares import plot_emphasis_change, plot_shares_over, plot_theme_shares
from .topics import plot_coherence, plot_topic_prevalence

__all__ = ["use_cjk_font", "cjk_font_path", "plot_theme_shares", "plot_shares_over",
           "plot_emphasis_change", "plot_section_profile", "plot_keyness",
           "plot_topic_prevalence", "plot_coherence", "plot_confusion", "plot_effects"]
