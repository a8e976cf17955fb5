"""The ``fazhi`` command line: thin wrappers that parse arguments and call the library.

Exit codes: 0 success, 2 bad input or usage (the message names the file),
1 internal error.

Each sub-command is one ``_add_<name>(subparsers)`` function that defines its
arguments and sets ``func`` to a ``_run_<name>(args)`` handler; ``COMMANDS``
lists them in the order ``--help`` shows.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ._version import __version__
from .errors import FazhiError, InputError
from .ingest import DEFAULT_LIMITS, Limits

log = logging.getLogger("nlp")


def _configure_logging(level: int) -> None:
    """Send the ``nlp`` logger (and only it) to stderr at ``level``.

    Other packages' loggers are left as they are (WARNING and above reach the
    terminal through Python's last-resort handler).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    log.handlers[:] = [h for h in log.handlers if not isinstance(h, logging.StreamHandler)
                       or isinstance(h, logging.FileHandler)] + [handler]
    log.setLevel(level)


def _done(message: str) -> None:
    """Where the output went: printed even with ``--quiet``."""
    print(message, file=sys.stderr)


def _progress(args) -> bool | None:
    return False if getattr(args, "quiet", False) else None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or info messages")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")


# --------------------------------------------------------------------------- limits

def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _limit_options(p: argparse.ArgumentParser) -> None:
    """Resource limits (see nlp.Limits); over a limit the run stops with exit code 2."""
    d = DEFAULT_LIMITS
    g = p.add_argument_group("resource limits (over a limit: error, exit code 2)")
    g.add_argument("--max-bytes", type=_positive_int, default=d.max_bytes, metavar="N",
                   help=f"largest report file read, in bytes (default {d.max_bytes})")
    g.add_argument("--max-unpacked-bytes", type=_positive_int, default=d.max_unpacked_bytes,
                   metavar="N", help="largest unpacked size of a .docx or PDF streams "
                                     f"(default {d.max_unpacked_bytes})")
    g.add_argument("--max-chars", type=_positive_int, default=d.max_chars, metavar="N",
                   help=f"longest text of one report, in characters (default {d.max_chars})")
    g.add_argument("--max-units", type=_positive_int, default=d.max_units, metavar="N",
                   help=f"most units in one report (default {d.max_units})")


def _limits(args):
    return Limits(max_bytes=args.max_bytes, max_unpacked_bytes=args.max_unpacked_bytes,
                  max_chars=args.max_chars, max_units=args.max_units)


# --------------------------------------------------------------------------- segment

def _add_segment(sub) -> None:
    p = sub.add_parser(
        "segment", help="split reports into units (one row per unit)",
        description="Read report files (folders expand) and write their units as a table. "
                    "Output format by extension: .csv (UTF-8 with BOM, opens in Excel), "
                    ".tsv, .jsonl, .parquet.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="report files or folders (.txt .md .html .htm .docx .pdf)")
    p.add_argument("-o", "--output", required=True, type=Path, help="units table to write")
    p.add_argument("--tokens", action="store_true",
                   help="add a 'tokens' column: analysis tokens joined by spaces")
    _cache_option(p)
    _scheduler_option(p)
    _limit_options(p)
    _common(p)
    p.set_defaults(func=_run_segment)


def _cache_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the on-disk cache of tokens and results "
                        "(folder: $FAZHI_CACHE_DIR or the user cache directory)")


def _cache_scope(args):
    from .cache import cli_cache

    return cli_cache(getattr(args, "no_cache", False))


def _scheduler_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="local|tcp://HOST:PORT",
                   help="run on a Dask cluster (needs the dask extra: pip install \".[dask]\"): 'local' starts worker "
                        "processes on this machine ('local:N' for N), tcp://HOST:PORT uses a "
                        "running `dask scheduler`; the output is identical")


def _stream(args, name: str, *inputs, **kwargs) -> int:
    """Run ``nlp.streaming.<name>`` here, or ``nlp.distributed.<name>`` on ``--scheduler``;
    both take the same inputs and write the same file.  Returns the rows written."""
    if args.scheduler:
        from . import distributed

        return getattr(distributed, name)(*inputs, scheduler=args.scheduler,
                                          progress=_progress(args), **kwargs)
    from . import streaming

    with _cache_scope(args):
        return getattr(streaming, name)(*inputs, progress=_progress(args), **kwargs)


def _run_segment(args) -> int:
    n = _stream(args, "segment_to_table", args.paths, args.output, limits=_limits(args),
                tokens=args.tokens)
    _done(f"wrote {n} units to {args.output}")
    return 0


# --------------------------------------------------------------------------- corpus

def _add_corpus(sub) -> None:
    p = sub.add_parser(
        "corpus", help="check a folder's reports: inferred metadata and where it came from",
        description="'init' writes reports.csv with the inferred title, agency, agency type, "
                    "region, covered year and publication date of every report, and the source "
                    "of each (title, disclosure field, opening sentence, signature, filename, "
                    "publication date): correct it in Excel and keep it in the folder, its "
                    "values then win. 'summary' lists every report with a missing or weakly "
                    "inferred field, and pages with no report body.")
    p.add_argument("action", choices=["init", "summary"])
    p.add_argument("folder", type=Path, metavar="DIR", help="folder of reports")
    p.add_argument("-o", "--output", type=Path,
                   help="init: where to write (default DIR/reports.csv, never overwritten); "
                        "summary: also write the table (.csv .tsv .jsonl .parquet)")
    _limit_options(p)
    _common(p)
    p.set_defaults(func=_run_corpus)


def _run_corpus(args) -> int:
    from .corpus import load_corpus, write_reports_csv
    from .persist import write_table

    if args.action == "init":
        out = write_reports_csv(args.folder, args.output, limits=_limits(args))
        _done(f"wrote {out}: check the *_source columns, correct the values, keep the file")
        return 0
    table = load_corpus(args.folder, limits=_limits(args)).summary(warn=False)
    flagged = table[(table["missing"] != "") | (table["weak"] != "") | ~table["body_found"]]
    cols = ["report_id", "agency", "region", "year", "year_source", "body_found", "missing",
            "weak"]
    print(f"{len(table)} reports; {len(flagged)} with a missing or weak field or no body")
    if len(flagged):
        print(flagged[cols].astype(object).where(flagged[cols].notna(), "").to_string(index=False))
    if args.output:
        write_table(table, args.output)
        _done(f"wrote {args.output}")
    return 0


# --------------------------------------------------------------------------- report

def _add_report(sub) -> None:
    p = sub.add_parser(
        "report", help="run the whole study on a corpus and write report.html",
        description="Segment, classify, topic-model and compare a folder of reports; write "
                    "tables (CSV), figures and a self-contained report.html into DIR.")
    p.add_argument("corpus", type=Path, help="folder of reports (with reports.csv)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    p.add_argument("--model", type=Path, metavar="DIR",
                   help="theme model folder (default: the shipped models/themes)")
    p.add_argument("--labels", type=Path, metavar="FILE",
                   help="use hand labels (keyed by unit_id or text) instead of a model")
    p.add_argument("--codebook", type=Path, metavar="TOML",
                   help="with --labels: the codebook the labels follow (default: the "
                        "--model's, else the four bundled themes)")
    p.add_argument("--validation", type=Path, metavar="FILE",
                   help="a hand-labelled RANDOM sample of this corpus's units (from `fazhi "
                        "sample --strategy random`, keyed by unit_id or text, optional 'weight' "
                        "column): the model's error rates are measured on it and shares are "
                        "corrected for them, shown beside the raw shares")
    p.add_argument("--n-boot", type=_positive_int, default=2000, metavar="N",
                   help="bootstrap resamples for the intervals (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _cache_option(p)
    _limit_options(p)
    _common(p)
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from .study import run_study, write_report

    with _cache_scope(args):
        study = run_study(args.corpus, progress=_progress(args), model=args.model,
                          labels=args.labels, codebook=args.codebook,
                          validation=args.validation, n_boot=args.n_boot,
                          random_state=args.seed, limits=_limits(args))
        page = write_report(study, args.output)
    _done(f"report written to {page}")
    return 0


# --------------------------------------------------------------------------- themes

def _model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, metavar="DIR",
                   help="model folder written by `fazhi train` (default: the shipped "
                        "models/themes)")


def _load_model(args):
    from .classify import LexiconClassifier, ThemeClassifier

    if getattr(args, "lexicon", False):
        return LexiconClassifier(codebook=getattr(args, "codebook", None)).fit()
    if getattr(args, "codebook", None) is not None:
        raise InputError("--codebook goes with --lexicon; a trained model carries its own "
                         "codebook (train one with `fazhi train --codebook`)")
    return ThemeClassifier.load(args.model)


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train", help="train a theme classifier from labelled units",
        description="Read labelled units (.csv .tsv .jsonl .xlsx with 'text' and 'labels': "
                    "themes joined by ';', '，' or '、'; 其他 or none for no theme; an EMPTY "
                    "cell means 'not labelled yet' and the row is skipped), add them to the "
                    "bundled hand labels and written exemplars (--replace: your files alone; "
                    "with a --codebook of your own, always your files and its exemplars), "
                    "print grouped cross-validation (lexicon baseline vs classifier; groups = "
                    "report_id), fit on everything and save the model folder. An optional "
                    "'agency_type' column (as in the bundled labels) lets calibration be "
                    "fitted as for a kind of agency the model has not seen, below 100 real "
                    "units. From 100 real units on, C, the lexicon's weight, the word "
                    "weight and per-theme thresholds are chosen by grouped inner "
                    "cross-validation (the defaults kept unless beaten by more than one "
                    "standard error). Bad labels: exit 2, nothing written.")
    p.add_argument("labels", type=Path, nargs="+", metavar="LABELS",
                   help="labelled units tables (one or more)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR",
                   help="model folder to write")
    p.add_argument("--replace", action="store_true",
                   help="train on the given files alone, without the bundled labels and "
                        "exemplars")
    p.add_argument("--allow-rare", action="store_true",
                   help="train although a theme has fewer than 5 positive units (warned)")
    p.add_argument("--cv", type=int, default=5, metavar="K",
                   help="grouped CV folds, 0 to skip (fewer reports than K: one fold each)")
    p.add_argument("--exemplars", type=Path, metavar="FILE",
                   help="written example passages, used in training folds only")
    p.add_argument("--codebook", type=Path, metavar="TOML",
                   help="a codebook of your own (TOML file, or a folder with codebook.toml): "
                        "its themes, lexicon and exemplars; default: the four bundled themes. "
                        "Check it first with `fazhi codebook check`")
    p.add_argument("--random-state", type=int, default=0)
    _common(p)
    p.set_defaults(func=_run_train)


def _run_train(args) -> int:
    from .classify import format_cv_table, train_model
    from .classify.training import read_label_files

    if args.cv < 0 or args.cv == 1:
        raise InputError(f"--cv must be 0 (no cross-validation) or at least 2, got {args.cv}")
    from .codebook import codebook_of

    codebook = codebook_of(args.codebook)
    mine = read_label_files(args.labels, codebook=codebook)
    unlabelled = mine.attrs["unlabelled"]
    if unlabelled:
        print(f"{unlabelled} row(s) with an empty labels cell are not labelled yet: skipped")
    model, table = train_model(mine, codebook=codebook, exemplars=args.exemplars,
                               replace=args.replace, allow_rare=args.allow_rare,
                               cv=args.cv or None, random_state=args.random_state)
    if table is not None:
        print(format_cv_table(table))
    model.save(args.output, metrics=table[table["model"] == "classifier"]
               if table is not None else None,
               training={"labels_files": [f.name for f in args.labels],
                         "bundled_labels_added": not args.replace and codebook.is_default,
                         "unlabelled_rows_skipped": unlabelled,
                         "exemplars_file": args.exemplars.name if args.exemplars else None})
    _done(f"model saved to {args.output}")
    return 0


def _add_classify(sub) -> None:
    p = sub.add_parser(
        "classify", help="add theme probabilities and labels to units",
        description="INPUT is a units table (from `fazhi segment`) or report files/folders. "
                    "OUT gets one p_<theme> probability column per theme and 'labels' "
                    "(themes joined by ';', empty = 其他).")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUT")
    _model_option(p)
    p.add_argument("--lexicon", action="store_true", help="use the lexicon baseline instead")
    p.add_argument("--codebook", type=Path, metavar="TOML",
                   help="with --lexicon: the codebook whose lexicon to use (default: bundled)")
    p.add_argument("--chunksize", type=_positive_int, default=5000, metavar="N",
                   help="units read, classified and written at a time (default 5000)")
    _cache_option(p)
    _scheduler_option(p)
    _common(p)
    p.set_defaults(func=_run_classify)


def _run_classify(args) -> int:
    n = _stream(args, "classify_to_table", args.inputs, args.output, _load_model(args),
                chunksize=args.chunksize)
    _done(f"classified {n} units into {args.output}")
    return 0


def _add_evaluate(sub) -> None:
    p = sub.add_parser(
        "evaluate", help="score a theme model on labelled units",
        description="Per-theme precision, recall, F1, support and confusion counts, micro "
                    "and macro F1, for the model and the lexicon baseline.")
    p.add_argument("labels", type=Path, metavar="LABELS", help="labelled units table")
    _model_option(p)
    p.add_argument("-o", "--output", type=Path, help="also write the table (.csv .tsv ...)")
    _common(p)
    p.set_defaults(func=_run_evaluate)


def _run_evaluate(args) -> int:
    from .classify import LexiconClassifier, ThemeClassifier, cv_comparison
    from .classify.training import overlap_with_training
    from .labels import read_labels
    from .persist import write_table

    model = ThemeClassifier.load(args.model)
    df = read_labels(args.labels, codebook=model)
    texts, labels = df["text"].tolist(), df["labels"].tolist()
    seen = overlap_with_training(model, texts)
    if seen:
        log.warning("%d of %d evaluated units were in the model's training data: their scores "
                    "are optimistic; evaluate on units the model has not seen", seen, len(texts))
    scored = model.evaluate(texts, labels)
    lexicon = LexiconClassifier(codebook=model._codebook())
    table = cv_comparison({"lexicon": lexicon.evaluate(texts, labels),
                           "classifier": scored})
    table["in_training"] = seen
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    macro = scored.attrs.get("macro_themes", [])
    print(f"macro = unweighted mean over the themes with support ({', '.join(macro)}); "
          f"{seen} of {len(texts)} units were in the training data")
    if args.output:
        write_table(table, args.output)
    return 0


def _add_sample(sub) -> None:
    p = sub.add_parser(
        "sample", help="pick units to label: for retraining, or a random validation sample",
        description="Export units with an empty 'labels' column to fill in Excel (CSV, UTF-8 "
                    "with BOM), and 'model_labels' with the model's current labels. "
                    "'uncertain' (for retraining, then `fazhi train`) picks the units closest "
                    "to a decision threshold; its 'margin' column is the distance of the "
                    "unit's nearest theme probability to that theme's threshold (0 = the model "
                    "cannot decide; small first). Such a sample is not representative and "
                    "cannot measure the model's error; on the dev set of real pages a random "
                    "sample of the same size trained about as good a model "
                    "(docs/classifier.md). 'random' draws a random sample (by "
                    "--strata, with a 'weight' column = units in the stratum / units drawn): "
                    "label it by hand, without looking at model_labels, and pass it to `fazhi "
                    "report --validation` to correct the shares for classifier error.")
    p.add_argument("units", nargs="+", type=Path, metavar="UNITS",
                   help="units table or report files/folders")
    p.add_argument("-n", type=int, default=50, help="how many units (default 50)")
    p.add_argument("--strategy", choices=["uncertain", "random"], default="uncertain")
    p.add_argument("--strata", metavar="COLUMN",
                   help="random only: stratify by this column, e.g. agency_type (taken from the "
                        "reports when the units table lacks it)")
    p.add_argument("--allocation", choices=["proportional", "equal"], default="proportional",
                   help="units per stratum: proportional to its size, or equal (default "
                        "proportional)")
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--random-state", type=int, default=0)
    _model_option(p)
    _common(p)
    p.set_defaults(func=_run_sample)


def _run_sample(args) -> int:
    from .classify import sample_units
    from .corpus import iter_reports
    from .persist import write_table
    from .streaming import read_units

    if args.n < 1:
        raise InputError(f"-n must be at least 1, got {args.n}")
    if args.strata and args.strategy != "random":
        raise InputError("--strata: only a random sample is stratified (--strategy random)")
    units = read_units(args.units)
    if args.strata and args.strata not in units.columns and "report_id" in units.columns:
        # a report's field (agency_type, region...): read it from the reports themselves
        paths = [p for p in args.units if p.is_dir() or p.suffix.lower() not in
                 (".csv", ".tsv", ".jsonl", ".parquet", ".xlsx")]
        meta = {r.report_id: getattr(r, args.strata, None) for r in iter_reports(paths)}
        if any(v is not None for v in meta.values()):
            units[args.strata] = units["report_id"].map(meta)
    model = _load_model(args)
    out = sample_units(units, model, n=args.n, strategy=args.strategy,
                       random_state=args.random_state, strata=args.strata,
                       allocation=args.allocation)
    write_table(out, args.output)
    _done(f"wrote {len(out)} units to label to {args.output}")
    return 0


# --------------------------------------------------------------------------- topics

def _k_range(text: str) -> list[int]:
    """``START:STOP[:STEP]`` with STOP included, e.g. ``4:20:2`` -> 4, 6, ..., 20."""
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3) or parts[0] < 1 or parts[1] < parts[0] or \
            (len(parts) == 3 and parts[2] < 1):
        raise argparse.ArgumentTypeError(
            f"expected START:STOP[:STEP] with 1 <= START <= STOP, e.g. 4:20:2, got {text!r}")
    return list(range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1))


def _seed_list(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds like 0,1,2, got {text!r}") from None


def _add_topics(sub) -> None:
    p = sub.add_parser(
        "topics", help="fit an LDA topic model, or choose the number of topics",
        description="INPUT is a units table (from `fazhi segment`) or report files/folders. "
                    "With -k: write topic_table.csv (terms by relevance, suggested labels), "
                    "doc_topics.csv (topic shares per unit) and topics.html (pyLDAvis, if "
                    "installed) into DIR. With --select-k: print and write select_k.csv "
                    "(coherence and stability per k).")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    p.add_argument("-k", "--topics", type=_positive_int, default=8, metavar="K",
                   help="number of topics (default 8)")
    p.add_argument("--select-k", type=_k_range, metavar="START:STOP[:STEP]",
                   help="compare these numbers of topics instead of fitting one model")
    p.add_argument("--seeds", type=_seed_list, default=[0, 1, 2], metavar="S,S,...",
                   help="seeds for --select-k (default 0,1,2)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--no-below", type=_positive_int, metavar="N",
                   help="keep words in at least N units (default: 0.15%% of the units, at "
                        "least 2, or 5 from 1000 units; see TopicModel)")
    p.add_argument("--no-above", type=float, metavar="F",
                   help="keep words in at most this fraction of units (default: 0.1 from "
                        "5000 units, relaxed up to 0.5 for fewer)")
    _common(p)
    p.set_defaults(func=_run_topics)


def _run_topics(args) -> int:
    from .persist import write_table
    from .streaming import read_units
    from .tokenize import Tokenizer
    from .topics import TopicModel, select_k, write_topic_outputs

    params = {k: v for k, v in (("no_below", args.no_below), ("no_above", args.no_above))
              if v is not None}
    units = read_units(args.inputs)
    tokens = Tokenizer().pipe(units["text"].astype(str).tolist(), progress=_progress(args))
    if args.select_k:
        table = select_k(tokens, ks=args.select_k, seeds=args.seeds, progress=_progress(args),
                         **params)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        args.output.mkdir(parents=True, exist_ok=True)
        write_table(table, args.output / "select_k.csv")
        _done(f"wrote {args.output / 'select_k.csv'}")
        return 0
    model = TopicModel(args.topics, random_state=args.random_state, **params)
    ids = units["unit_id"].tolist() if "unit_id" in units.columns else None
    model.fit(tokens, doc_ids=ids)
    for path in write_topic_outputs(model, units, tokens, args.output):
        _done(f"wrote {path}")
    return 0


# --------------------------------------------------------------------------- codebook

def _add_codebook(sub) -> None:
    p = sub.add_parser(
        "codebook", help="check a codebook file (themes, lexicon, exemplars)",
        description="check: validate a codebook TOML file (or a folder with codebook.toml): "
                    "TOML syntax, empty themes, theme names that clash with table columns, "
                    "terms shorter than 2 characters, weights, a term both for and against a "
                    "theme, and (warnings) terms inside another theme's terms. Prints "
                    "FILE:LINE: level: message; exit 2 when there is an error. "
                    "show: the themes, their descriptions and term counts.")
    p.add_argument("action", choices=["check", "show"])
    p.add_argument("path", type=Path, nargs="?", metavar="TOML",
                   help="the codebook (default: the bundled four-theme codebook)")
    _common(p)
    p.set_defaults(func=_run_codebook)


def _run_codebook(args) -> int:
    from .codebook import check_codebook, codebook_of, default_lexicon_file

    path = args.path if args.path is not None else default_lexicon_file()
    if args.action == "show":
        cb = codebook_of(path)
        print(f"{cb.name}: {len(cb)} themes (checksum {cb.checksum[:16]})")
        for t in cb.theme_info:
            print(f"- {t.name}: {len(t.terms)} terms, {len(t.negative)} negative, "
                  f"{len(t.exemplars)} exemplars. {t.description}")
        return 0
    problems = check_codebook(path)
    for problem in problems:
        print(problem)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{path}: {errors} error(s), {warnings} warning(s)")
    return 2 if errors else 0


# --------------------------------------------------------------------------- main

COMMANDS = [_add_segment, _add_corpus, _add_report, _add_train, _add_classify, _add_evaluate,
            _add_sample, _add_topics, _add_codebook]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fazhi",
        description="Read Chinese rule-of-law government reports (法治政府建设情况报告): "
                    "segment, classify themes, topic-model and compare emphasis.")
    parser.add_argument("--version", action="version", version=f"fazhi-nlp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input/usage, 1 internal error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    _configure_logging(logging.DEBUG if args.verbose
                       else logging.WARNING if args.quiet else logging.INFO)
    try:
        return int(args.func(args) or 0)
    except FazhiError as exc:  # InputError, ModelIntegrityError...: the user's to fix
        print(f"fazhi {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - last resort: report, exit 1
        log.exception("internal error in 'fazhi %s'", args.command)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
