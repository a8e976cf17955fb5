"""The dev set of real report pages: metadata, structure and theme scores.

Usage::

    python bench/devset.py metadata [--pages DIR]   # year, agency, region, title; roles; fragments
    python bench/devset.py themes   [--pages DIR]   # theme scores of the shipped model and the lexicon
    python bench/devset.py check    [--pages DIR]   # the set itself: counts, reserved pages, agreement
    python bench/devset.py curve    [--pages DIR]   # learning curve: N of the researcher's own units
    python bench/devset.py curve --sizes 0,100,200 --strategy random --set word_weight=1
                                                    # the same with other settings

The repo holds only the page list (``bench/devset/pages.csv``: address, agency,
agency type, region, covered year, published date, read by hand) and the unit
labels keyed by a hash of each unit's text (``bench/devset/labels.csv``, two
independent passes, the reconciled label and the labelling batch).  The page
texts stay outside the repo: ``--pages`` (or ``$FAZHI_DEVSET``) is a folder with
one ``<key>.txt`` per page, the page's visible text from its beginning, ``key``
being the SHA-1 of the normalised address (see ``page_key``).  Without it the
script says so and stops.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import hashlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import nlp  # noqa: E402
from nlp.ingest import normalize_text, to_simplified  # noqa: E402

ROOT = _HERE.parent
DEVSET = _HERE / "devset"
RESERVED = ROOT.parent / "shared" / "eval" / "reserved_pages.sha1"


def page_key(url: str) -> str:
    """SHA-1 of the normalised address: no scheme, lower-case host without ``www.``,
    no trailing ``/``."""
    u = re.sub(r"^https?://", "", url.strip(), flags=re.I)
    host, _, rest = u.partition("/")
    host = host.lower().removeprefix("www.")
    return hashlib.sha1((host + "/" + rest).rstrip("/").encode()).hexdigest()


def unit_key(text: str) -> str:
    """The key of a unit's label: SHA-1 of its text without white space (16 hex digits)."""
    return hashlib.sha1(re.sub(r"\s+", "", text).encode()).hexdigest()[:16]


def pages_folder(arg: str | None) -> Path | None:
    folder = arg or os.environ.get("FAZHI_DEVSET")
    if not folder:
        print("dev-set page texts not given (--pages DIR or $FAZHI_DEVSET): skipped. "
              "The texts are not in the repo; see the docstring of bench/devset.py.")
        return None
    path = Path(folder)
    if not path.is_dir():
        print(f"{path}: no such folder of dev-set pages: skipped")
        return None
    return path


def load_pages() -> pd.DataFrame:
    return pd.read_csv(DEVSET / "pages.csv", dtype=str, keep_default_na=False)


def read_all(pages: pd.DataFrame, folder: Path) -> dict[str, nlp.Report]:
    out = {}
    for key in pages["key"]:
        f = folder / f"{key}.txt"
        if f.is_file():
            out[key] = nlp.read_report(f)
    return out


# --------------------------------------------------------------------------- scoring rules

_PLACE_TAIL = re.compile(r"^(?:[\u4e00-\u9fff·]{1,12}?(?:省|自治区|市|州|盟|区|县|旗|新区))+$")


def _norm_agency(name: str) -> str:
    name = normalize_text(re.sub(r"\s+", "", name or ""))
    return re.sub(r"(?:人民政府|政府)$", "", name)


def agency_right(truth: str, found: str | None) -> bool:
    """Equal, or the same agency with or without the place names in front
    (``南京市江宁区市场监督管理局`` ~ ``江宁区市场监督管理局``); ``…人民政府`` ~ the place."""
    if not found:
        return False
    a, b = _norm_agency(truth), _norm_agency(found)
    if a == b:
        return True
    long, short = (a, b) if len(a) > len(b) else (b, a)
    if short in ("省", "市", "区", "县"):  # "省政府", "区政府": the government, named relatively
        return long.endswith(short) and bool(_PLACE_TAIL.match(long))
    if not long.endswith(short) or len(short) < 2:
        return False
    # "区市场监管局" names the district only by its last character
    cut = len(long) - len(short) + (1 if short[0] in "省市区县州" else 0)
    return bool(_PLACE_TAIL.match(long[:cut]))


def _core(place: str) -> str:
    return re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|自治州|地区|盟|区|县|旗)$", "",
                  place)


def region_right(row, found: str | None) -> bool:
    """Every place the truth names (province, prefecture, county) is in the inferred region;
    a national body (no province) has no region."""
    parts = [row[c] for c in ("province", "prefecture", "county") if row[c]]
    if not parts:
        return not found
    found = to_simplified(found or "")
    return bool(found) and all(_core(p) in found for p in parts)


def region_named(row, text: str) -> bool:
    """Whether the page's text names the deepest place the truth gives (its county, else its
    prefecture, else its province), so that reading can find it."""
    deepest = next(row[c] for c in ("county", "prefecture", "province") if row[c])
    return _core(deepest) in text


def title_right(row, found: str | None) -> bool:
    if not found:
        return False
    return hashlib.sha1(re.sub(r"\s+", "", to_simplified(found)).encode()).hexdigest() \
        == row["title_sha1"]


# --------------------------------------------------------------------------- commands

def cmd_metadata(folder: Path) -> int:
    pages = load_pages()
    reports = read_all(pages, folder)
    rep = pages[pages["kind"] == "report"]
    have = rep[rep["key"].isin(reports)]
    print(f"== dev set: {len(pages)} pages listed, {len(reports)} read "
          f"({len(have)} reports, {len(pages) - len(rep)} non-report pages) ==")

    def share(rows, fn, label):
        ok = [fn(r, reports[r["key"]]) for _, r in rows.iterrows()]
        print(f"{label:<44} {np.mean(ok):.3f}  ({sum(ok)}/{len(ok)})")
        return rows[~np.array(ok, dtype=bool)]

    miss_year = share(have[have["year_stated"] == "1"],
                      lambda r, x: x.year == int(r["year_covered"]),
                      "year right (text states it)")
    share(have, lambda r, x: x.year == int(r["year_covered"]), "year right (all reports)")
    miss_agency = share(have[have["agency_named"] == "1"],
                        lambda r, x: agency_right(r["agency"], x.agency),
                        "agency right (text names it)")
    raw = {k: to_simplified((folder / f"{k}.txt").read_text(encoding="utf-8", errors="replace"))
           for k in have["key"]}
    named = have[[bool(r["province"]) and region_named(r, raw[r["key"]])
                  for _, r in have.iterrows()]]
    miss_region = share(named, lambda r, x: region_right(r, x.region),
                        "region right (text names the place)")
    share(have[have["province"] != ""], lambda r, x: region_right(r, x.region),
          "region right (all with a known province)")
    share(have[have["title_shown"] == "1"], lambda r, x: title_right(r, x.title),
          "title found, exactly (page shows one)")
    share(have[have["title_shown"] == "1"], lambda r, x: bool(x.title),
          "title found, any (page shows one)")
    share(have[have["published"] != ""], lambda r, x: x.published == r["published"],
          "published right (page shows it)")
    non = pages[(pages["kind"] == "nonreport") & pages["key"].isin(reports)]
    flagged = [not reports[k].body_found for k in non["key"]]
    falsely = [not reports[k].body_found for k in have["key"]]
    print(f"{'non-report pages flagged (body_found=False)':<44} {sum(flagged)}/{len(flagged)}")
    print(f"{'reports wrongly flagged as having no body':<44} {sum(falsely)}/{len(falsely)}")
    sources = Counter(reports[k].metadata_source.get("year", "none") for k in have["key"])
    print("year sources:", dict(sources.most_common()))
    sources = Counter(reports[k].metadata_source.get("agency", "none") for k in have["key"])
    print("agency sources:", dict(sources.most_common()))
    units = pd.concat([nlp.segment(reports[k]) for k in have["key"]], ignore_index=True)
    roles = units["role"].value_counts()
    print(f"units: {len(units)}; roles: " + ", ".join(f"{r} {n} ({n / len(units):.1%})"
                                                      for r, n in roles.items()))
    short = units[units["text"].str.len() < 8]
    print(f"units under 8 characters: {len(short)} ({len(short) / len(units):.2%})")
    if os.environ.get("FAZHI_DEVSET_DETAILS"):  # for the developer: which pages miss
        for name, rows in (("year", miss_year), ("agency", miss_agency),
                           ("region", miss_region)):
            for _, r in rows.iterrows():
                x = reports[r["key"]]
                print(f"  miss {name}: {r['key'][:10]} truth={r['agency']!r}/"
                      f"{r['year_covered']}/{r['province']}{r['prefecture']}{r['county']} "
                      f"got={x.agency!r}/{x.year}/{x.region} src={x.metadata_source}")
        for t in short["text"].head(40):
            print("  short unit:", repr(t))
    return 0


#: the labelling batches of ``labels.csv``
BATCHES = {
    "1": "first 166 pages",
    "2": "6 education-bureau pages",
    "3": "60 pages labelled last; the calibration hold-out, the fixed threshold and the "
         "word weight were chosen with them",
}


def attach_labels(folder: Path):
    """Units of the labelled pages with their reconciled labels (by text hash)."""
    pages = load_pages()
    labels = pd.read_csv(DEVSET / "labels.csv", dtype=str, keep_default_na=False)
    reports = read_all(pages[pages["key"].isin(set(labels["page"]))], folder)
    frames = []
    for key, report in reports.items():
        u = nlp.segment(report)
        u["page"] = key
        frames.append(u)
    units = pd.concat(frames, ignore_index=True)
    units["unit"] = units["text"].map(unit_key)
    merged = units.merge(labels[["unit", "labels", "batch"]], on="unit", how="inner")
    merged = merged.drop_duplicates("unit")
    return merged, len(labels)


def cmd_themes(folder: Path, n_boot: int = 1000, models: dict | None = None) -> int:
    print(themes_report(folder, n_boot, models))
    return 0


def themes_report(folder: Path, n_boot: int = 1000, models: dict | None = None) -> str:
    """Per-theme P/R/F1 of each model on the dev set, with 95% page-bootstrap intervals."""
    from nlp.classify import LexiconClassifier, ThemeClassifier, evaluate_labels

    units, n_labels = attach_labels(folder)
    out = [f"== dev set themes: {len(units)} of {n_labels} labelled units found in today's "
           f"segmentation, {units['page'].nunique()} pages =="]
    truth = [tuple(x for x in v.split(";") if x) for v in units["labels"]]
    models = models or {"shipped ThemeClassifier": ThemeClassifier.load(),
                        "LexiconClassifier": LexiconClassifier().fit()}
    rng = np.random.default_rng(0)
    pages = units["page"].to_numpy()
    uniq = np.unique(pages)
    idx_of = {p: np.flatnonzero(pages == p) for p in uniq}
    for name, model in models.items():
        pred = model.predict(units["text"].tolist())
        table = evaluate_labels(truth, pred).set_index("theme")
        boots = []
        for _ in range(n_boot):  # resample whole pages: units of a page are not independent
            pick = np.concatenate([idx_of[p] for p in rng.choice(uniq, len(uniq))])
            t = evaluate_labels([truth[i] for i in pick], [pred[i] for i in pick])
            boots.append(t.set_index("theme")["f1"])
        boots = pd.DataFrame(boots)
        out += ["", name, f"{'':<8} {'support':>7} {'P':>6} {'R':>6} {'F1':>6}  "
                          "95% page-bootstrap CI (F1)"]
        for theme in [*nlp.THEMES, "micro", "macro"]:
            r = table.loc[theme]
            lo, hi = boots[theme].quantile([0.025, 0.975])
            out.append(f"{theme:<8} {int(r['support']):>7} {r['precision']:>6.3f} "
                       f"{r['recall']:>6.3f} {r['f1']:>6.3f}  [{lo:.3f}, {hi:.3f}]")
        out.append("macro over themes with support: " + ", ".join(table.attrs["macro_themes"]))
        for batch, idx in units.groupby("batch").indices.items():
            t = evaluate_labels([truth[i] for i in idx], [pred[i] for i in idx])
            t = t.set_index("theme")
            out.append(f"  batch {batch} ({BATCHES.get(batch, '')}): {len(idx)} units, macro F1 "
                       f"{t.loc['macro', 'f1']:.3f}, micro F1 {t.loc['micro', 'f1']:.3f}")
    return "\n".join(out)


def _f1s(truth, pred) -> tuple[float, float]:
    from nlp.classify import evaluate_labels

    t = evaluate_labels(truth, pred).set_index("theme")
    return float(t.loc["macro", "f1"]), float(t.loc["micro", "f1"])


def cmd_curve(folder: Path, sizes=(0, 50, 100, 200, 400), folds: int = 5,
              draws: int = 3, strategies=("random", "uncertain"),
              params: dict | None = None) -> int:
    """Train on the bundled labels and exemplars plus N dev-set units of some pages, test on
    the other pages (grouped folds by page): does the model learn from in-genre labels?

    Random samples are drawn ``draws`` times (the mean and the range are printed): one
    draw of 200 units moves F1 by about 0.02.  The draws depend only on the sizes before
    them, so the same ``sizes`` give the same draws whatever ``params``
    (``ThemeClassifier`` parameters, to compare settings; with them, N = 0 is a model
    trained on the bundled files with those settings instead of the shipped one)."""
    from sklearn.model_selection import GroupKFold

    from nlp.classify import ThemeClassifier
    from nlp.classify.training import bundled_training_files

    units, _ = attach_labels(folder)
    units = units.reset_index(drop=True)
    truth = [tuple(x for x in v.split(";") if x) for v in units["labels"]]
    seed_file, ex_file = bundled_training_files()
    seed = nlp.read_labels(seed_file)
    ex = nlp.read_labels(ex_file)[["text", "labels", "agency_type"]]
    kind = load_pages().set_index("key")["agency_type"]
    units["agency_type"] = units["page"].map(kind)
    base = ThemeClassifier.load()  # trained on exactly the bundled labels and exemplars
    proba = base.predict_proba(units["text"].tolist()).to_numpy()
    margin = np.abs(proba - base.decision_thresholds()).min(axis=1)
    print(f"== learning curve: {len(units)} labelled dev units on {units['page'].nunique()} "
          f"pages, {folds} folds grouped by page; train = {len(seed)} bundled units + written "
          f"exemplars + N dev units from the training pages ==")
    print(f"{'N':>4} {'sampling':<12} {'macro F1':>9} {'micro F1':>9}  chosen C / lexicon_blend / word_weight")
    pages = units["page"].to_numpy()
    splits = list(GroupKFold(n_splits=folds).split(np.zeros(len(units)), groups=pages))
    params = dict(params or {})
    if 0 in sizes:
        zero = ThemeClassifier(random_state=0, **params).fit(
            seed["text"].tolist(), seed["labels"].tolist(), groups=seed["report_id"].tolist(),
            exemplars=ex, domains=seed["agency_type"].tolist()) if params else base
        macro, micro = _f1s(truth, zero.predict(units["text"].tolist()))
        print(f"{0:>4} {'-':<12} {macro:>9.3f} {micro:>9.3f}  "
              f"{'bundled files only, ' + str(params) if params else 'shipped model'}")
    rng = np.random.default_rng(0)
    for n in [s for s in sizes if s > 0]:
        for strategy in strategies:
            scores, chosen = [], []
            for _ in range(draws if strategy == "random" else 1):
                pred: list = [None] * len(units)
                for train, test in splits:
                    if strategy == "random":
                        pick = rng.permutation(train)[:n]
                    else:
                        pick = train[np.argsort(margin[train], kind="stable")[:n]]
                    texts = seed["text"].tolist() + units.loc[pick, "text"].tolist()
                    labels = seed["labels"].tolist() + [truth[i] for i in pick]
                    groups = seed["report_id"].tolist() + units.loc[pick, "page"].tolist()
                    domains = (seed["agency_type"].tolist()
                               + units.loc[pick, "agency_type"].tolist())
                    model = ThemeClassifier(random_state=0, **params).fit(
                        texts, labels, groups=groups, exemplars=ex, domains=domains)
                    chosen.append(f"{model.C_:g}/{model.lexicon_blend_:g}/{model.word_weight_:g}")
                    for i, p in zip(test, model.predict(units.loc[test, "text"].tolist())):
                        pred[i] = p
                scores.append(_f1s(truth, pred))
            macro, micro = np.mean(scores, axis=0)
            spread = (f" [{min(s[0] for s in scores):.3f}-{max(s[0] for s in scores):.3f}]"
                      if len(scores) > 1 else "")
            print(f"{n:>4} {strategy:<12} {macro:>9.3f} {micro:>9.3f}  "
                  f"{', '.join(sorted(set(chosen)))}{spread}", flush=True)
    print(f"(uncertain: the N training-page units closest to a decision threshold of the "
          f"shipped model; random: N at random, mean of {draws} draws with the range of macro "
          f"F1 in brackets; scores pooled over the test folds)")
    return 0


def cmd_check(folder: Path | None) -> int:
    from nlp.labels import agreement

    pages = load_pages()
    reserved = set(RESERVED.read_text().split()) if RESERVED.is_file() else set()
    clash = pages[pages["key"].isin(reserved)]
    keys_ok = all(page_key(u) == k for u, k in zip(pages["url"], pages["key"]))
    print(f"pages: {len(pages)} ({(pages['kind'] == 'report').sum()} reports); agencies: "
          f"{pages.loc[pages['agency'] != '', 'agency'].nunique()}; provinces: "
          f"{pages.loc[pages['province'] != '', 'province'].nunique()}")
    print("agency types:", pages.loc[pages["kind"] == "report", "agency_type"]
          .value_counts().to_dict())
    print("years covered:", pages.loc[pages["kind"] == "report", "year_covered"]
          .value_counts().sort_index().to_dict())
    print(f"keys match addresses: {keys_ok}; reserved pages in the list: {len(clash)} "
          f"(reserved list {'read' if reserved else 'not found'})")
    labels = pd.read_csv(DEVSET / "labels.csv", dtype=str, keep_default_na=False)
    print(f"labelled units: {len(labels)} on {labels['page'].nunique()} pages")
    print(agreement(labels["labels_a"], labels["labels_b"]).to_string(index=False))
    if folder is not None:
        # a rebuilt folder may lack some pages: say which, so that
        # figures from two folders are known to be on the same units or not
        have = {p.stem for p in folder.glob("*.txt")}
        missing = pages.loc[~pages["key"].isin(have), "key"].tolist()
        units, _ = attach_labels(folder)
        print(f"page texts in {folder}: {len(pages) - len(missing)} of {len(pages)}; labelled "
              f"units found in today's segmentation: {len(units)} of {len(labels)} on "
              f"{units['page'].nunique()} pages")
        for key in missing:
            print(f"  no text for {key}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["metadata", "themes", "check", "curve"])
    ap.add_argument("--pages", help="folder of <key>.txt page texts (default $FAZHI_DEVSET)")
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--sizes", default="0,50,100,200,400",
                    help="curve: the values of N, comma-separated")
    ap.add_argument("--strategy", choices=["both", "random", "uncertain"], default="both",
                    help="curve: how the N units are picked")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="curve: a ThemeClassifier parameter (a number), e.g. "
                         "word_weight=1; repeatable")
    args = ap.parse_args(argv)
    params = {}
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            params[name.strip()] = float(value)
        except ValueError:
            ap.error(f"--set {item!r}: expected NAME=NUMBER")
        if name.strip() not in nlp.ThemeClassifier().get_params():
            ap.error(f"--set {item!r}: {name.strip()!r} is not a ThemeClassifier parameter")
    try:
        sizes = tuple(int(x) for x in args.sizes.split(","))
    except ValueError:
        ap.error(f"--sizes {args.sizes!r}: expected whole numbers joined by commas")
    logging.basicConfig(level=logging.ERROR)
    folder = pages_folder(args.pages)
    if args.command == "check":
        return cmd_check(folder)
    if folder is None:
        return 0
    if args.command == "metadata":
        return cmd_metadata(folder)
    if args.command == "curve":
        strategies = ("random", "uncertain") if args.strategy == "both" else (args.strategy,)
        return cmd_curve(folder, sizes=sizes, strategies=strategies, params=params)
    return cmd_themes(folder, args.n_boot)


if __name__ == "__main__":
    sys.exit(main())
