"""The notebooks are committed clean and are executed by nbmake as part of the test run.

nbmake (``--nbmake`` in ``setup.cfg``, ``notebooks`` in ``testpaths``) runs each
notebook top to bottom in a fresh kernel; these tests check what execution
cannot: cleared outputs, a kernel that exists, no machine-specific paths.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import ROOT

NOTEBOOKS = ["01_corpus_overview.ipynb", "02_theme_classifier.ipynb", "03_topics_lda.ipynb",
             "04_emphasis_2021_vs_2024.ipynb"]


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
