"""Theme prevalence on covariates: a binomial GLM per theme with report-clustered errors.

The question "does 普法宣传 take more room in 2024 than in 2021, *holding the
agency type fixed*?" needs a regression, not a table of shares.  For each
theme, :func:`prevalence_regression` fits a logit GLM of the unit's theme
indicator (or its probability, a fractional logit) on the covariates of a
formula, with standard errors clustered by report (units of one report are
not independent), and reports average marginal effects (AME) in percentage
points with t intervals on G − 1 degrees of freedom (G reports), as Stata's
``margins`` or R's ``marginaleffects`` do.  This is the role of stm's
``estimateEffect`` for themes.

With classifier error rates from a validation sample (``validation=``), the
model is fitted by maximum likelihood to the *predicted* labels with
P(ŷ = 1 | x) = FPR + (TPR − FPR)·logit⁻¹(xβ) (Hausman, Abrevaya and
Scott-Morton 1998; statsmodels' ``GenericLikelihoodModel`` with the same
clustered covariance), so the effects are on the true-theme scale; the
uncertainty of the rates is added by refitting over bootstrap draws of the
validation sample.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from ..errors import InputError
from .bootstrap import satterthwaite
from .correction import MIN_DENOMINATOR, RateDraws
from .shares import probability_matrix, theme_matrix

__all__ = ["prevalence_regression"]

log = logging.getLogger(__name__)

_OUTCOME = "theme_outcome_"


def _misclassified_logit(endog, exog, fpr: float, tpr: float):
    """A logit model observed through a classifier with these error rates:
    P(ŷ = 1 | x) = FPR + (TPR − FPR)·logit⁻¹(xβ), fitted by maximum likelihood."""
    from statsmodels.base.model import GenericLikelihoodModel

    d = tpr - fpr

    class MisclassifiedLogit(GenericLikelihoodModel):
        def _p(self, params):
            s = expit(self.exog @ params)
            return s, np.clip(fpr + d * s, 1e-12, 1 - 1e-12)

        def loglikeobs(self, params):
            _, p = self._p(params)
            return self.endog * np.log(p) + (1 - self.endog) * np.log(1 - p)

        def score_obs(self, params):
            s, p = self._p(params)
            return self.exog * ((self.endog - p) * d * s * (1 - s) / (p * (1 - p)))[:, None]

        def hessian(self, params):  # expected information (Fisher scoring)
            s, p = self._p(params)
            w = (d * s * (1 - s)) ** 2 / (p * (1 - p))
            return -(self.exog * w[:, None]).T @ self.exog

    return MisclassifiedLogit(np.asarray(endog, dtype=float), np.asarray(exog, dtype=float))


def _fit_misclassified(endog, exog, fpr, tpr, start=None, **fit_kw):
    model = _misclassified_logit(endog, exog, fpr, tpr)
    if start is None:
        start = np.zeros(exog.shape[1])
        q = np.clip((np.mean(endog) - fpr) / (tpr - fpr), 0.02, 0.98)
        start[0] = np.log(q / (1 - q))  # the intercept column comes first
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(start_params=start, method="newton", maxiter=100, disp=0, **fit_kw)
        if not res.mle_retvals.get("converged", True):
            res = model.fit(start_params=start, method="bfgs", maxiter=500, disp=0, **fit_kw)
    return res


def _variables(formula_rhs: str, data: pd.DataFrame) -> list[str]:
    return [c for c in data.columns
            if re.search(rf"(?<![\w.]){re.escape(str(c))}(?![\w])", formula_rhs)]


def _design(model, frame: pd.DataFrame) -> np.ndarray:
    """Design matrix of ``frame`` built with the fitted model's formula (patsy or formulaic)."""
    spec = model.data.model_spec
    if hasattr(spec, "get_model_matrix"):  # formulaic
        return np.asarray(spec.get_model_matrix(frame), dtype=float)
    import patsy

    return np.asarray(patsy.build_design_matrices([spec], frame)[0], dtype=float)


def _contrasts(model, data: pd.DataFrame, variables: list[str], rhs: str):
    """``(variable, contrast label, X1, X0, step)``: counterfactual designs per effect."""
    out = []
    for v in variables:
        col = data[v]
        categorical = (re.search(rf"C\(\s*{re.escape(v)}\s*[,)]", rhs) is not None
                       or not pd.api.types.is_numeric_dtype(col) or col.dtype == bool)
        if categorical:
            levels = sorted(col.dropna().unique(), key=lambda x: (str(type(x)), x))
            ref = levels[0]
            x0 = _design(model, data.assign(**{v: ref}))
            for lvl in levels[1:]:
                out.append((v, f"{_label(lvl)} vs {_label(ref)}",
                            _design(model, data.assign(**{v: lvl})), x0, 1.0))
        else:
            h = 0.5
            out.append((v, "per unit increase", _design(model, data.assign(**{v: col + h})),
                        _design(model, data.assign(**{v: col - h})), 2 * h))
    return out


def _label(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _ame(params: np.ndarray, contrasts) -> tuple[np.ndarray, np.ndarray]:
    """AMEs on the latent (true-theme) logit scale and their gradients in ``params``."""
    ames, grads = [], []
    for _, _, x1, x0, step in contrasts:
        p1, p0 = expit(x1 @ params), expit(x0 @ params)
        ames.append(np.mean(p1 - p0) / step)
        grads.append(((p1 * (1 - p1)) @ x1 - (p0 * (1 - p0)) @ x0) / len(x1) / step)
    return np.array(ames), np.array(grads)


def prevalence_regression(units: pd.DataFrame, formula: str = "theme ~ C(year)", *,
                          cluster: str = "report_id", themes: Sequence[str] | None = None,
                          labels: str = "labels", estimator: str = "cc", validation=None,
                          ci: float = 0.95, n_validation_draws: int = 100,
                          random_state=None) -> pd.DataFrame:
    """Per theme, a logit GLM of the theme on covariates with cluster-robust standard errors.

    Parameters
    ----------
    units : DataFrame
        Units with themes (a ``labels`` column, 0/1 theme columns, or with
        ``estimator="pcc"`` the ``p_<theme>`` probabilities) and the covariates.
    formula : str
        A formula whose left side is the word ``theme`` (replaced by each
        theme's outcome in turn), e.g. ``"theme ~ C(year) + agency_type"``.
        Units with a missing covariate are left out (and counted).
    cluster : str
        Column whose values are the clusters of the robust standard errors
        (``report_id``: units of one report are not independent).
    themes : sequence of str, optional
        Default: the table's own (see :func:`nlp.codebook.table_themes`);
        ``其他`` (no theme) is added.
    labels : str
        Name of the labels column.
    estimator : {"cc", "pcc"}
        ``"cc"``: a binomial GLM of the 0/1 labels; ``"pcc"``: a fractional
        logit of the probabilities.
    validation : DataFrame, optional
        Error rates from :func:`nlp.compare.misclassification_rates`: fit the
        misclassification-adjusted model (effects on the true-theme scale).
    ci : float
    n_validation_draws : int
        Draws of the validation sample refitted to carry its uncertainty.
    random_state : int, numpy Generator or None
        Seed for the validation draws.

    Returns
    -------
    DataFrame
        One row per theme and effect: ``theme``, ``variable``, ``contrast``
        (``"2024 vs 2021"``, or ``"per unit increase"`` for a numeric
        covariate), ``ame`` (average marginal effect on the share, e.g. 0.05 =
        +5 percentage points), ``se``, ``ci_low``, ``ci_high``, ``df``,
        ``p_value``, ``n_units``, ``n_clusters``, ``dropped`` (units left out
        for missing covariates), ``outcome`` and ``estimator`` (which model and
        which standard errors).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> u = pd.DataFrame({"report_id": np.repeat(np.arange(12), 10),
    ...                   "year": np.repeat([2021, 2024], 60)})
    >>> u["labels"] = np.where(rng.random(120) < np.where(u["year"] == 2024, 0.6, 0.2),
    ...                        "普法宣传", "")
    >>> fx = prevalence_regression(u, "theme ~ C(year)", themes=["普法宣传"])
    >>> row = fx[fx["theme"] == "普法宣传"].iloc[0]
    >>> row["contrast"], bool(row["ci_low"] > 0), int(row["df"])
    ('2024 vs 2021', True, 11)
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units: expected a DataFrame, got {type(units).__name__}")
    lhs, sep, rhs = formula.partition("~")
    if not sep or lhs.strip() != "theme":
        raise InputError(f"formula: expected 'theme ~ covariates', got {formula!r}")
    if cluster not in units.columns:
        raise InputError(f"cluster: column {cluster!r} not in units (have "
                         f"{list(units.columns)})")
    if estimator not in ("cc", "pcc"):
        raise ValueError(f"estimator: expected 'cc' or 'pcc', got {estimator!r}")
    if validation is not None and estimator != "cc":
        raise InputError("validation: the misclassification model is for labels "
                         "(estimator='cc')")
    mat = (probability_matrix(units, themes) if estimator == "pcc"
           else theme_matrix(units, themes, labels=labels).astype(float))
    variables = _variables(rhs, units)
    if not variables:
        raise InputError(f"formula: no column of units appears in {rhs.strip()!r} (have "
                         f"{list(units.columns)})")
    keep = units[variables + [cluster]].notna().all(axis=1).to_numpy()
    data = units.loc[keep, variables + [cluster]].reset_index(drop=True)
    dropped = int((~keep).sum())
    if dropped:
        log.info("prevalence_regression: %d units with a missing %s left out", dropped,
                 "/".join(variables))
    groups = pd.factorize(data[cluster])[0]
    n_clusters = int(groups.max()) + 1 if len(groups) else 0
    if n_clusters < 2:
        raise InputError(f"cluster: need at least two {cluster} values with complete "
                         f"covariates, got {n_clusters}")
    rates = None
    if validation is not None:
        rates = validation.set_index("theme")
        rd = validation.attrs.get("bootstrap")
        if not isinstance(rd, RateDraws) or len(rd.tpr) == 0:
            raise InputError("validation: the rates have no bootstrap replicates; compute "
                             "them with misclassification_rates()")
        rng = np.random.default_rng(random_state)
        pick = rng.choice(len(rd.tpr), size=min(n_validation_draws, len(rd.tpr)),
                          replace=False)
    alpha = (1 - ci) / 2
    f = f"{_OUTCOME} ~ {rhs}"
    rows = []
    for theme in mat.columns:
        frame = data.assign(**{_OUTCOME: mat.loc[keep, theme].to_numpy()})
        if frame[_OUTCOME].nunique() < 2:
            log.info("prevalence_regression: %s is constant; no model", theme)
            continue
        desc = "logit GLM (binomial)"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = smf.glm(f, frame, family=sm.families.Binomial())
            res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        if rates is not None:
            tpr, fpr = float(rates.loc[theme, "tpr"]), float(rates.loc[theme, "fpr"])
            if not tpr - fpr >= MIN_DENOMINATOR:
                log.warning("prevalence_regression: cannot correct %s (TPR − FPR = %.2f)",
                            theme, tpr - fpr)
                continue
            res = _fit_misclassified(model.endog, model.exog, fpr, tpr, cov_type="cluster",
                                     cov_kwds={"groups": groups}, use_t=True)
            desc = ("logit model observed through classifier error (misclassification "
                    "likelihood)")
        contrasts = _contrasts(model, frame, variables, rhs)
        ame, grad = _ame(np.asarray(res.params), contrasts)
        cov = np.asarray(res.cov_params())
        var_c = np.einsum("ij,jk,ik->i", grad, cov, grad)
        df_c = n_clusters - 1
        var_v = np.zeros_like(var_c)
        df_v = np.inf
        if rates is not None:
            j = rd.columns.index(theme)
            boots = []
            for b in pick:
                tb, fb = rd.tpr[b, j], rd.fpr[b, j]
                if not tb - fb >= MIN_DENOMINATOR / 2:
                    continue
                rb = _fit_misclassified(model.endog, model.exog, fb, tb,
                                        start=np.asarray(res.params))
                boots.append(_ame(np.asarray(rb.params), contrasts)[0])
            if len(boots) >= 2:
                v_n = rd.n_clusters
                var_v = np.var(np.array(boots), axis=0, ddof=1) * v_n / max(v_n - 1, 1)
                df_v = max(v_n - 1, 1)
        se = np.sqrt(var_c + var_v)
        for i, (v, label, *_rest) in enumerate(contrasts):
            df = satterthwaite([var_c[i], var_v[i]], [df_c, df_v]) if rates is not None \
                else float(df_c)
            tq = stats.t.ppf(1 - alpha, df)
            pval = 2 * stats.t.sf(abs(ame[i] / se[i]), df) if se[i] > 0 else np.nan
            rows.append({"theme": theme, "variable": v, "contrast": label, "ame": ame[i],
                         "se": se[i], "ci_low": ame[i] - tq * se[i],
                         "ci_high": ame[i] + tq * se[i], "df": df, "p_value": pval,
                         "n_units": len(frame), "n_clusters": n_clusters, "dropped": dropped,
                         "outcome": ("probabilities" if estimator == "pcc" else
                                     "labels corrected for classifier error" if rates is not None
                                     else "labels"),
                         "estimator": f"{desc}; average marginal effects (delta method); "
                                      f"standard errors clustered by {cluster} (CR1), t with "
                                      f"{n_clusters - 1} df"
                                      + ("; + validation-sample variance" if rates is not None
                                         else "")})
    return pd.DataFrame(rows, columns=["theme", "variable", "contrast", "ame", "se", "ci_low",
                                       "ci_high", "df", "p_value", "n_units", "n_clusters",
                                       "dropped", "outcome", "estimator"])
