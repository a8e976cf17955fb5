"""The comparisons at N reports, on simulated corpora whose truth is known.

Usage: ``python bench/study.py [--reps 500] [--seed 0]``

Each simulated corpus has two years (groups); every report has 20 units, and
reports differ from each other: a report's probability of each theme is drawn
from a Beta distribution with the theme's mean share for the year and an
intra-class correlation (ICC) of 0.2, so units of one report are alike.  The
truth is the difference of the mean shares between the years.

Measured:

1. coverage of the true difference by the 95% interval of
   ``emphasis_change(theme_shares(units, by="year"))`` with the defaults, at
   10 and 30 reports per year, against the candidates: the cluster percentile
   interval, BCa (``scipy.stats.bootstrap`` over reports) and resampling units;
2. a paired design (the same agencies in both years, their reports
   correlated across years): coverage and mean width with ``paired="agency"``
   against independent resampling of the two years;
3. classifier error (recall 0.67–0.85, false-positive rate 0.02–0.06) with a
   random validation sample of 150 units from 15 reports: bias and coverage of
   the corrected difference (``validation=misclassification_rates(...)``),
   hard labels beside it;
4. a year with a single report: its interval must be NaN.

Every number printed is measured in this run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

import _common as C  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from nlp.compare import emphasis_change, misclassification_rates, theme_shares  # noqa: E402

THEMES = ("普法宣传", "校园安全", "行政执法", "放管服")
#: mean share of each theme in the first and the second year
SHARES_A = np.array([0.30, 0.10, 0.25, 0.15])
SHARES_B = np.array([0.40, 0.12, 0.20, 0.15])
ICC = 0.2
UNITS = 20
#: simulated classifier: recall and false-positive rate per theme
TPR = np.array([0.67, 0.85, 0.75, 0.80])
FPR = np.array([0.04, 0.02, 0.06, 0.03])
N_BOOT = 2000  # the library's default


def _other(mat: np.ndarray) -> np.ndarray:
    return np.column_stack([mat, ~mat.any(axis=1)])


def truth() -> np.ndarray:
    """True difference per theme and for 其他 (no theme; themes independent given the report)."""
    # 其他 = E[prod(1 - p_t)] = prod(1 - mean) for independent Beta draws per theme
    other = np.prod(1 - SHARES_B) - np.prod(1 - SHARES_A)
    return np.append(SHARES_B - SHARES_A, other)


def report_probs(rng, means, n, u=None):
    """Per-report theme probabilities with the given means and ICC (Beta, via a copula)."""
    a = means * (1 - ICC) / ICC
    b = (1 - means) * (1 - ICC) / ICC
    if u is None:
        return rng.beta(a, b, size=(n, len(means)))
    return stats.beta.ppf(stats.norm.cdf(u), a, b)


def corpus(rng, g: int, *, paired_corr: float | None = None) -> pd.DataFrame:
    """Units of two years with ``g`` reports each; ``paired_corr``: same agencies in both
    years, their latent report effects correlated across years."""
    frames = []
    z = rng.standard_normal((g, len(THEMES))) if paired_corr is not None else None
    for year, means in ((2021, SHARES_A), (2024, SHARES_B)):
        if z is None:
            probs = report_probs(rng, means, g)
            agencies = [f"{year}-ag{i}" for i in range(g)]
        else:
            e = rng.standard_normal((g, len(THEMES)))
            probs = report_probs(rng, means, g, np.sqrt(paired_corr) * z
                                 + np.sqrt(1 - paired_corr) * e)
            agencies = [f"ag{i}" for i in range(g)]
        hits = rng.random((g, UNITS, len(THEMES))) < probs[:, None, :]
        for i in range(g):
            frames.append(pd.DataFrame({
                "report_id": f"{year}-r{i}", "agency": agencies[i], "year": year,
                **{t: hits[i, :, j] for j, t in enumerate(THEMES)}}))
    return pd.concat(frames, ignore_index=True)


def predicted(rng, units: pd.DataFrame) -> pd.DataFrame:
    """The same units as a classifier with error rates TPR/FPR labels them."""
    truth_ = units[list(THEMES)].to_numpy(bool)
    r = rng.random(truth_.shape)
    pred = np.where(truth_, r < TPR, r < FPR)
    out = units.copy()
    out[list(THEMES)] = pred
    return out


def labels_of(mat: np.ndarray) -> list[str]:
    return [";".join(t for t, v in zip(THEMES, row) if v) for row in mat]


def covered(change: pd.DataFrame, true: np.ndarray):
    lo, hi = change["ci_low"].to_numpy(), change["ci_high"].to_numpy()
    return (lo <= true) & (true <= hi), hi - lo, change["diff"].to_numpy()


def bca_change(units: pd.DataFrame, rng) -> np.ndarray:
    """BCa intervals of the difference of cluster ratio means (scipy.stats.bootstrap)."""
    out = []
    mat = _other(units[list(THEMES)].to_numpy(bool)).astype(float)
    tot = pd.DataFrame(mat).groupby(units["report_id"].to_numpy()).sum()
    n = units.groupby("report_id").size().reindex(tot.index).to_numpy(float)
    year = units.groupby("report_id")["year"].first().reindex(tot.index).to_numpy()
    ia, ib = np.flatnonzero(year == 2021), np.flatnonzero(year == 2024)
    for j in range(mat.shape[1]):
        y = tot[j].to_numpy()

        def stat(a, b, axis=-1, y=y):
            return (y[b].sum(axis) / n[b].sum(axis)) - (y[a].sum(axis) / n[a].sum(axis))

        res = stats.bootstrap((ia, ib), stat, n_resamples=N_BOOT, method="BCa",
                              vectorized=True, random_state=rng)
        out.append((res.confidence_interval.low, res.confidence_interval.high))
    return np.array(out)


def coverage_independent(g: int, reps: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    true = truth()
    res = {k: ([], []) for k in ("default", "percentile", "bca", "units")}
    for i in range(reps):
        units = corpus(rng, g)
        for key, kw in (("default", {}), ("percentile", {"method": "percentile"}),
                        ("units", {"cluster": None})):
            ch = emphasis_change(theme_shares(units, by="year", random_state=i,
                                              themes=THEMES, **kw), a=2021, b=2024)
            hit, width, _ = covered(ch, true)
            res[key][0].append(hit)
            res[key][1].append(width)
        ci = bca_change(units, rng)
        res["bca"][0].append((ci[:, 0] <= true) & (true <= ci[:, 1]))
        res["bca"][1].append(ci[:, 1] - ci[:, 0])
    return {k: (np.mean(h, axis=0), np.nanmean(w, axis=0)) for k, (h, w) in res.items()}


def coverage_paired(g: int, reps: int, seed: int, corr: float) -> dict:
    rng = np.random.default_rng(seed)
    true = truth()
    res = {k: ([], []) for k in ("paired", "independent")}
    for i in range(reps):
        units = corpus(rng, g, paired_corr=corr)
        for key, kw in (("paired", {"paired": "agency"}), ("independent", {})):
            ch = emphasis_change(theme_shares(units, by="year", random_state=i,
                                              themes=THEMES, **kw), a=2021, b=2024)
            hit, width, _ = covered(ch, true)
            res[key][0].append(hit)
            res[key][1].append(width)
    return {k: (np.mean(h, axis=0), np.mean(w, axis=0)) for k, (h, w) in res.items()}


def corrected(g: int, reps: int, seed: int, n_val_reports=15, n_val_units=10) -> dict:
    rng = np.random.default_rng(seed)
    true = truth()
    res = {k: ([], [], []) for k in ("corrected", "hard labels")}
    quiet = logging.getLogger("nlp.compare")
    for i in range(reps):
        units = corpus(rng, g)
        pred = predicted(rng, units)
        reports = units["report_id"].unique()
        chosen = rng.choice(reports, size=n_val_reports, replace=False)
        idx = np.concatenate([rng.choice(np.flatnonzero(units["report_id"] == r),
                                         size=n_val_units, replace=False) for r in chosen])
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # few positives of a rare theme: expected here
        rates = misclassification_rates(labels_of(units.loc[idx, list(THEMES)].to_numpy()),
                                        labels_of(pred.loc[idx, list(THEMES)].to_numpy()),
                                        groups=units.loc[idx, "report_id"], random_state=i,
                                        n_boot=N_BOOT, themes=THEMES)
        quiet.setLevel(level)
        for key, kw in (("corrected", {"validation": rates}), ("hard labels", {})):
            ch = emphasis_change(theme_shares(pred, by="year", random_state=i, themes=THEMES,
                                              **kw), a=2021, b=2024)
            hit, width, diff = covered(ch, true)
            res[key][0].append(hit)
            res[key][1].append(width)
            res[key][2].append(diff - true)
    return {k: (np.mean(h, axis=0), np.nanmean(w, axis=0), np.nanmean(b, axis=0))
            for k, (h, w, b) in res.items()}


def single_report() -> tuple[float, float, float, float]:
    rng = np.random.default_rng(0)
    units = corpus(rng, 5)
    units = units[(units["year"] == 2021) | (units["report_id"] == "2024-r0")]
    logging.getLogger("nlp.compare").setLevel(logging.ERROR)
    s = theme_shares(units, by="year", random_state=0, themes=THEMES)
    logging.getLogger("nlp.compare").setLevel(logging.NOTSET)
    row = s[(s["year"] == 2024) & (s["theme"] == "普法宣传")].iloc[0]
    ch = emphasis_change(s, a=2021, b=2024).iloc[0]
    return row["ci_low"], row["ci_high"], ch["ci_low"], ch["ci_high"]


def _pairs(values) -> str:
    return ", ".join(f"{t} {v:.2f}" for t, v in zip(THEMES, values))


def _fmt(x) -> str:
    return f"{x:.3f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=500, help="simulated corpora per setting")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    names = [*THEMES, "其他"]
    t0 = time.perf_counter()
    print("Comparisons at N reports: simulated corpora with known truth")
    print(C.machine(("numpy", "pandas", "scipy")))
    print(f"two years; {UNITS} units per report; ICC {ICC}; mean shares "
          f"{_pairs(SHARES_A)} -> {_pairs(SHARES_B)}; {N_BOOT} bootstrap replicates; "
          f"{args.reps} corpora per setting; nominal 95%")
    checks = []

    for g in (10, 30):
        res = coverage_independent(g, args.reps, args.seed + g)
        print(f"\n1. Coverage of the true difference, {g} reports per year (independent years)")
        rows = []
        labels = {"default": "default (reports, t with G-1 df)",
                  "percentile": "reports, percentile", "bca": "reports, BCa (scipy)",
                  "units": "units, percentile (old default)"}
        for key, label in labels.items():
            hit, width = res[key]
            rows.append([label, *map(_fmt, hit), _fmt(hit.mean()), _fmt(width.mean())])
        print(C.table(rows, ["interval", *names, "mean", "mean width"]))
        hit = res["default"][0]
        if g == 10:
            checks.append(C.check("coverage at 10 reports/year", hit.mean() >= 0.93 and
                                  hit.min() >= 0.90, f"mean {hit.mean():.3f} (>= 0.93), min "
                                  f"{hit.min():.3f} (>= 0.90)"))
        else:
            checks.append(C.check("coverage at 30 reports/year", hit.mean() >= 0.94,
                                  f"mean {hit.mean():.3f} (>= 0.94)"))

    corr = 0.7
    g = 10
    res = coverage_paired(g, args.reps, args.seed + 100, corr)
    print(f"\n2. Paired design: the same {g} agencies in both years, report effects correlated "
          f"{corr} across years")
    rows = [[label, *map(_fmt, res[key][0]), _fmt(res[key][0].mean()), _fmt(res[key][1].mean())]
            for key, label in (("paired", "paired='agency'"),
                               ("independent", "independent years (default)"))]
    print(C.table(rows, ["resampling", *names, "mean", "mean width"]))
    ratio = res["paired"][1].mean() / res["independent"][1].mean()
    print(f"paired intervals are {ratio:.2f} times as wide as independent ones")
    checks.append(C.check("paired coverage", res["paired"][0].mean() >= 0.93,
                          f"mean {res['paired'][0].mean():.3f} (>= 0.93), width ratio "
                          f"{ratio:.2f}"))

    for g in (10, 30):
        res = corrected(g, args.reps, args.seed + 200 + g)
        print(f"\n3. Classifier error (TPR {_pairs(TPR)}; FPR {_pairs(FPR)}), {g} reports per "
              f"year; validation: 150 random units from 15 reports")
        rows = []
        for key in ("corrected", "hard labels"):
            hit, width, bias = res[key]
            rows.append([f"{key}: bias", *(f"{b:+.3f}" for b in bias), ""])
            rows.append([f"{key}: coverage", *map(_fmt, hit), _fmt(hit.mean())])
            rows.append([f"{key}: mean width", *map(_fmt, width), _fmt(width.mean())])
        print(C.table(rows, ["", *names, "mean"]))
        hit, _, bias = res["corrected"]
        checks.append(C.check(f"corrected difference, {g} reports/year",
                              np.nanmax(np.abs(bias)) < 0.02 and np.nanmin(hit) >= 0.90,
                              f"max |bias| {np.nanmax(np.abs(bias)):.3f} (< 0.02), min "
                              f"coverage {np.nanmin(hit):.3f} (>= 0.90)"))

    lo, hi, dlo, dhi = single_report()
    print(f"\n4. A year with a single report: share interval [{lo}, {hi}], difference "
          f"interval [{dlo}, {dhi}]")
    checks.append(C.check("single-report group", bool(np.isnan([lo, hi, dlo, dhi]).all()),
                          "NaN intervals"))
    print("\n" + "\n".join(checks))
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0 if all(c.startswith("[PASS]") for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
