"""The wheel alone is enough: it carries the shipped models and resources.

Builds the sdist and, from it, the wheel (``python -m build``, as a user would, on a
copy of the checkout),
checks that the build printed no packaging warning and that both archives hold
the models, then installs the wheel into a fresh virtual environment and runs
``fazhi classify`` and ``fazhi topics`` there, in a folder outside the
repository.  To stay fast the environment borrows the already installed
dependencies (scikit-learn, gensim...) through a ``.pth`` line appended after
its own ``site-packages``; ``fazhi-nlp`` itself comes only from the wheel, and
the test checks that the package and its models are loaded from there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

MODEL_KINDS = ("themes", "lda")
# setuptools says these on every build of every package; anything else with "warn" fails
HARMLESS = re.compile(r"byte-compiling is disabled, skipping")


def _model_files(kind: str) -> list[str]:
    manifest = json.loads((ROOT / "models" / kind / "manifest.json").read_text(encoding="utf-8"))
    return sorted([*manifest["files"], "manifest.json"])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    pytest.importorskip("build", reason="the dev extra's 'build' package builds the wheel")
    # build from a copy: setuptools writes *.egg-info into the source folder, and
    # two test runs building in the checkout at once would write over each other
    src = tmp_path_factory.mktemp("src") / "fazhi-nlp"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "outputs", "*.egg-info", "__pycache__", "bench"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0], "log": log}


def test_build_prints_no_packaging_warning(built):
    warnings = [line for line in built["log"].splitlines()
                if re.search(r"warn|deprecat|absent from the", line, re.I)
                and not HARMLESS.search(line)]
    assert warnings == []


def test_wheel_and_sdist_carry_models_and_resources(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    for kind in MODEL_KINDS:
        for name in _model_files(kind):
            assert f"nlp/resources/models/{kind}/{name}" in names
    for name in ("userdict.txt", "stopwords.txt", "themes.toml"):
        assert f"nlp/resources/{name}" in names
    assert not any(n.startswith(("models/", "corpus/", "tests/")) for n in names)
    with tarfile.open(built["sdist"]) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    for kind in MODEL_KINDS:
        for name in _model_files(kind):
            assert f"models/{kind}/{name}" in members
    assert {"setup.py", "setup.cfg", "MANIFEST.in", "nlp/resources/userdict.txt"} <= members


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> Path:
    """A fresh environment holding the wheel; dependencies borrowed read-only."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "--quiet", str(built["wheel"])], check=True,
                   timeout=300)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # appended to sys.path after the environment's own site-packages; .pth files in
    # it (such as an editable install's finder) are not run, so `nlp` cannot come from there
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "zz_borrowed_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n",
                                                              encoding="utf-8")
    return root


def _run(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_installed_wheel_loads_its_own_models(venv, tmp_path):
    code = ("import json, nlp\n"
            "from nlp.resources import shipped_model_dir\n"
            "clf = nlp.ThemeClassifier.load()\n"
            "tm = nlp.TopicModel.load()\n"
            "print(json.dumps({'nlp': nlp.__file__, 'themes': str(shipped_model_dir('themes')),\n"
            "                  'lda': str(shipped_model_dir('lda')),\n"
            "                  'labels': clf.predict(['组织开展宪法宣传周活动'])[0],\n"
            "                  'topics': tm.n_topics}))\n")
    out = json.loads(_run(venv, ["python", "-c", code], tmp_path).stdout.strip().splitlines()[-1])
    site = venv.resolve()
    for key in ("nlp", "themes", "lda"):
        assert Path(out[key]).resolve().is_relative_to(site), (key, out[key])
        assert not Path(out[key]).resolve().is_relative_to(ROOT.resolve())
    assert out["topics"] >= 2


def test_installed_wheel_classifies_and_fits_topics_from_the_command_line(venv, tmp_path):
    report = tmp_path / "report.txt"
    report.write_bytes((ROOT / "corpus" / "reports" / "tieshan_2024.txt").read_bytes())
    _run(venv, ["fazhi", "classify", "report.txt", "-o", "themed.csv", "-q"], tmp_path)
    themed = pd.read_csv(tmp_path / "themed.csv", encoding="utf-8-sig")
    assert len(themed) > 10 and {"p_普法宣传", "labels"} <= set(themed.columns)
    assert themed["labels"].notna().any()
    _run(venv, ["fazhi", "topics", "report.txt", "-k", "3", "-o", "topics"], tmp_path)
    summary = json.loads((tmp_path / "topics" / "topic_model.json").read_text(encoding="utf-8"))
    assert summary["filter"]["n_docs"] == len(themed)
    assert (tmp_path / "topics" / "topic_table.csv").is_file()
