"""Inter-coder agreement between the two labelling passes of the seed units.

Usage: ``python bench/agreement.py [PASS_A PASS_B]`` (defaults: corpus/labels/passes/).
Prints per-theme Cohen's kappa, raw agreement and the number of disagreements,
then lists the units whose label sets differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import pandas as pd  # noqa: E402

from nlp.labels import agreement, parse_labels  # noqa: E402

ROOT = _HERE.parent


def main(argv: list[str]) -> int:
    pa = Path(argv[0]) if argv else ROOT / "corpus/labels/passes/pass_a.csv"
    pb = Path(argv[1]) if len(argv) > 1 else ROOT / "corpus/labels/passes/pass_b.csv"
    a = pd.read_csv(pa, keep_default_na=False, dtype=str)
    b = pd.read_csv(pb, keep_default_na=False, dtype=str)
    if list(a["unit_id"]) != list(b["unit_id"]):
        print("the two passes do not list the same units in the same order", file=sys.stderr)
        return 2
    table = agreement(a["labels"], b["labels"])
    print(f"Agreement between {pa.name} and {pb.name} ({len(a)} units)")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    diff = [(u, x, y) for u, x, y in zip(a["unit_id"], a["labels"], b["labels"])
            if parse_labels(x) != parse_labels(y)]
    print(f"\nunits whose label sets differ: {len(diff)}")
    for unit, x, y in diff:
        print(f"  {unit}: A={x or '其他'}  B={y or '其他'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
