"""Compare emphasis between groups of units: theme shares, their change, report parts,
topic prevalence and keyness.

Every function takes plain tables (or token lists) and returns a tidy
DataFrame, one row per observation; none needs a model.

==============  ==========================================================
``shares``      :func:`theme_matrix`, :func:`theme_shares`, :func:`emphasis_change`
``correction``  :func:`misclassification_rates`, :func:`rate_differences`: shares
                corrected for classifier error
``regression``  :func:`prevalence_regression`: theme prevalence on covariates
``design``      :func:`design_effects`: ICC and design effect per theme
``profiles``    :func:`section_profile`: themes by report part
``prevalence``  :func:`prevalence`: topic shares per group
``keyness``     :func:`keyness`: over-used terms (G², BH-adjusted p)
``bootstrap``   the resampling all intervals share
==============  ==========================================================

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"year": [2021, 2024], "labels": ["普法宣传", "放管服"]})
>>> theme_shares(units, by="year", n_boot=0).query("theme == '普法宣传'")["share"].tolist()
[1.0, 0.0]
"""

from ..codebook import OTHER, ROLES
from .correction import misclassification_rates, rate_differences
from .design import design_effects
from .keyness import keyness
from .prevalence import prevalence
from .profiles import section_profile
from .regression import prevalence_regression
from .shares import emphasis_change, theme_matrix, theme_shares

#: order of report parts used by :func:`section_profile`
ROLE_ORDER = ROLES

__all__ = ["theme_matrix", "theme_shares", "emphasis_change", "section_profile", "prevalence",
           "keyness", "misclassification_rates", "rate_differences", "prevalence_regression",
           "design_effects", "OTHER",
           "ROLE_ORDER"]
