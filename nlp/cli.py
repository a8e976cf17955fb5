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

from . import __version__
from .errors import FazhiError, InputError

log = logging.getLogger("nlp")


def _progress(args) -> bool | None:
    return False if getattr(args, "quiet", False) else None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or info messages")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")


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
    _common(p)
    p.set_defaults(func=_run_segment)


def _run_segment(args) -> int:
    from .pipeline import segment_to_table

    n = segment_to_table(args.paths, args.output, progress=_progress(args))
    log.info("wrote %d units to %s", n, args.output)
    return 0


# --------------------------------------------------------------------------- report

def _add_report(sub) -> None:
    p = sub.add_parser(
        "report", help="run the whole study on a corpus and write report.html",
        description="Segment, classify, topic-model and compare a folder of reports; write "
                    "tables (CSV), figures and a self-contained report.html into DIR.")
    p.add_argument("corpus", type=Path, help="folder of reports (with reports.csv)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    _common(p)
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from .report import run_study, write_report

    page = write_report(run_study(args.corpus, progress=_progress(args)), args.output)
    log.info("report written to %s", page)
    return 0


# --------------------------------------------------------------------------- main

COMMANDS = [_add_segment, _add_report]


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
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"fazhi {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FazhiError as exc:
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
