"""Every Python and shell block of README.md and docs/*.md runs, so that no example goes stale.

* Blocks fenced as ```` ```python ```` (or ``py``) run in one namespace per
  Markdown file, in order; shell blocks (``bash``, ``sh``, ``shell``) run with
  ``bash -e``.  Each file gets a temporary folder holding copies of
  ``corpus/``, ``models/`` and ``notebooks/`` as its working directory, with this
  environment's ``fazhi`` and ``python`` first on ``PATH``; later blocks see the
  files and names that earlier blocks of the same file made.
* A block right after ``<!-- docs-test: skip REASON -->`` (blank lines may sit
  between) is reported as skipped with that reason: for what the tests cannot
  have (a Dask cluster's address, ``../shared``) or must not do (install
  packages, run this test suite inside itself).
* Fences with another language or none (program output, diagrams) are text.

Each block is one test, named ``FILE:LINE-LANGUAGE``; ``pytest -ra`` lists the
skipped ones with their reasons.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = {"python": "python", "py": "python", "bash": "shell", "sh": "shell",
             "shell": "shell"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)[^`]*$")
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<what>\S+)\s*(?P<reason>.*?)\s*-->\s*$")
BLOCK_TIMEOUT = 900  # seconds for one shell block (``fazhi report`` on the bundled corpus: ~30 s)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str  # "python" or "shell"
    code: str
    skip: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.line}-{self.lang}"


def parse_blocks(path: Path) -> list[Block]:
    """The runnable blocks of a Markdown file, with their skip reasons."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, pending, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        marker = MARKER.match(line)
        if marker:
            if marker["what"] != "skip" or not marker["reason"]:
                raise ValueError(f"{path.name}:{i + 1}: write <!-- docs-test: skip REASON -->, "
                                 f"got {line.strip()!r}")
            pending = (i + 1, marker["reason"])
            i += 1
            continue
        fence = FENCE.match(line)
        if not fence:
            if line.strip() and pending:
                raise ValueError(f"{path.name}:{pending[0]}: a docs-test marker must come right "
                                 "before a fenced block")
            i += 1
            continue
        indent, ticks, start = fence["indent"], fence["ticks"], i
        body = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(ticks)
                                      and lines[i].strip().strip(ticks[0]) == ""):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        lang = LANGUAGES.get(fence["lang"].lower())
        if lang is not None:
            blocks.append(Block(path, start + 1, lang, "\n".join(body) + "\n",
                                pending[1] if pending else None))
        elif pending:
            raise ValueError(f"{path.name}:{pending[0]}: the marked block is not Python or shell")
        pending = None
    return blocks


ALL_BLOCKS = [b for p in DOCS for b in parse_blocks(p)]


@dataclass
class Session:
    """One Markdown file being run: its folder, its Python namespace, how far it got."""

    folder: Path
    namespace: dict = field(default_factory=lambda: {"__name__": "__docs__"})
    done: set = field(default_factory=set)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    made: dict[Path, Session] = {}

    def get(path: Path) -> Session:
        if path not in made:
            folder = tmp_path_factory.mktemp(path.stem.lower().replace(" ", "_"))
            for name in ("corpus", "models", "notebooks"):
                shutil.copytree(ROOT / name, folder / name)
            made[path] = Session(folder)
        return made[path]

    yield get
    import matplotlib.pyplot as plt

    plt.close("all")


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    env["TQDM_DISABLE"] = "1"
    return env


def run_block(block: Block, session: Session, monkeypatch) -> None:
    monkeypatch.chdir(session.folder)
    if block.lang == "python":
        code = compile(block.code, f"{block.path.name}:{block.line}", "exec")
        try:
            exec(code, session.namespace)  # the documentation's own examples
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
        return
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.code],
                          cwd=session.folder, env=_environment(), capture_output=True,
                          text=True, timeout=BLOCK_TIMEOUT)
    if proc.returncode:
        raise AssertionError(f"{block.name} exited with {proc.returncode}:\n{block.code}\n"
                             f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n"
                             f"{proc.stderr[-3000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[b.name for b in ALL_BLOCKS])
def test_documented_block_runs(block, sessions, monkeypatch):
    session = sessions(block.path)
    # earlier blocks of the same file first (they make the files and names this one uses)
    for earlier in ALL_BLOCKS:
        if earlier.path != block.path or earlier.line >= block.line:
            continue
        if earlier.skip or earlier.line in session.done:
            continue
        try:
            run_block(earlier, session, monkeypatch)
        except BaseException:
            pytest.fail(f"the earlier block {earlier.name} failed, so this one cannot run:\n"
                        + traceback.format_exc(limit=3))
        finally:
            session.done.add(earlier.line)
    if block.skip:
        pytest.skip(f"{block.name} not run: {block.skip}")
    session.done.add(block.line)
    run_block(block, session, monkeypatch)


# ------------------------------------------------------------------ the parser itself

def test_parser_reads_fences_markers_and_languages(tmp_path):
    md = tmp_path / "demo.md"
    md.write_text("\n".join([
        "# demo", "", "```python", "x = 1", "```", "",
        "<!-- docs-test: skip needs a Dask cluster -->", "", "```bash", "dask scheduler", "```",
        "", "```", "plain output", "```", "",
        "- a list item:", "", "  ```sh", "  echo indented", "  ```", "",
        "````python", "print('```')", "````",
    ]) + "\n", encoding="utf-8")
    blocks = parse_blocks(md)
    assert [(b.line, b.lang, b.skip) for b in blocks] == [
        (3, "python", None), (9, "shell", "needs a Dask cluster"), (19, "shell", None),
        (23, "python", None)]
    assert blocks[2].code == "echo indented\n"
    assert blocks[3].code == "print('```')\n"


@pytest.mark.parametrize("text, message", [
    ("<!-- docs-test: skip -->\n```bash\nls\n```\n", "skip REASON"),
    ("<!-- docs-test: run fast -->\n```bash\nls\n```\n", "skip REASON"),
    ("<!-- docs-test: skip no cluster -->\nsome text\n```bash\nls\n```\n", "right before"),
    ("<!-- docs-test: skip output -->\n```\nls\n```\n", "not Python or shell"),
])
def test_parser_refuses_a_marker_it_cannot_place(tmp_path, text, message):
    md = tmp_path / "bad.md"
    md.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        parse_blocks(md)


def test_every_markdown_file_parses_and_skips_say_why():
    assert ALL_BLOCKS, "no runnable block found in README.md and docs/"
    for block in ALL_BLOCKS:
        assert block.skip is None or len(block.skip) >= 10, f"{block.name}: say why it is skipped"
