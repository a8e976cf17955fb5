"""The notebooks are committed clean and are executed by nbmake as part of the test run.

nbmake (``--nbmake`` in ``setup.cfg``, ``notebooks`` in ``testpaths``) runs each
notebook top to bottom in a fresh kernel, with the defaults of its parameters
cell; these tests check what execution cannot: cleared outputs, a kernel that
exists, no machine-specific paths, and one parameters cell at the top through
which a researcher points the notebook at another corpus.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from conftest import ROOT

NOTEBOOKS = ["01_corpus_overview.ipynb", "02_theme_classifier.ipynb", "03_topics_lda.ipynb",
             "04_emphasis_2021_vs_2024.ipynb"]
# notebooks that follow the parameters-cell convention (CORPUS = ..., LABELS = ...)
PARAMETRISED = NOTEBOOKS


@pytest.fixture(params=NOTEBOOKS)
def notebook(request):
    path = ROOT / "notebooks" / request.param
    assert path.is_file(), f"{path} is missing"
    return path, nbformat.read(path, as_version=4)


def test_committed_with_outputs_cleared(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: outputs not cleared"
            assert cell.execution_count is None, f"{path.name}: execution counts not cleared"


def test_kernel_exists(notebook):
    from jupyter_client.kernelspec import KernelSpecManager

    path, nb = notebook
    name = nb.metadata["kernelspec"]["name"]
    assert name in KernelSpecManager().find_kernel_specs(), f"{path.name}: no kernel {name!r}"


def test_paths_are_relative_to_the_repository(notebook):
    path, nb = notebook
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"['\"]/(work|home|root|tmp)/", source), path.name


@pytest.mark.parametrize("name", PARAMETRISED)
def test_one_parameters_cell_opens_the_notebook(name):
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), f"{name}: tag the first cell"
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])] == [first]
    names = []
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), \
            f"{name}: the parameters cell holds plain assignments only"
        names += [t.id for t in node.targets]
    assert {"CORPUS", "LABELS"} <= set(names), names
    defaults = {n: v for n, v in zip(names, (ast.literal_eval(a.value) for a in
                                             ast.parse(first.source).body))}
    for key in ("CORPUS", "LABELS"):  # relative to notebooks/, where Jupyter starts the kernel
        assert (path.parent / defaults[key]).exists(), f"{name}: {key} = {defaults[key]!r}"
    rest = "\n".join(c.source for c in code[1:])
    assert "CORPUS" in rest and "LABELS" in rest, f"{name}: later cells must use the parameters"
    assert not re.search(r"corpus/(reports|labels)|\"corpus\"", rest), \
        f"{name}: a later cell names the bundled corpus instead of using CORPUS/LABELS"
