"""Build script.  ``setup.cfg`` holds the metadata; this file adds the shipped models.

The trained models live in the top-level ``models/`` folder of the repository
(where they are trained into and reviewed).  A wheel must carry them, so the
build copies each ``models/<kind>`` folder into the package as
``nlp/resources/models/<kind>``, where :func:`nlp.resources.shipped_model_dir`
finds them in an installed package.  Only the files a model's
``manifest.json`` lists are copied, so the copy verifies like the original.
``MANIFEST.in`` puts ``models/`` into the sdist, so a wheel built from the
sdist carries them too.
"""

from __future__ import annotations

import json
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
MODEL_KINDS = ("themes", "lda")


def model_files() -> list[tuple[Path, Path]]:
    """(source, path inside the package) of every shipped model file."""
    pairs = []
    for kind in MODEL_KINDS:
        folder = HERE / "models" / kind
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise SystemExit(f"{manifest} is missing: the package is built with its shipped "
                             "models (python bench/ship_model.py rebuilds models/themes)")
        names = sorted(json.loads(manifest.read_text(encoding="utf-8"))["files"])
        for name in [*names, "manifest.json"]:
            pairs.append((folder / name, Path("nlp", "resources", "models", kind, name)))
    return pairs


class build_py_with_models(build_py):  # noqa: N801 (setuptools' command naming)
    """``build_py`` that also copies ``models/<kind>`` into ``nlp/resources/models``."""

    def run(self):
        super().run()
        for src, rel in model_files():
            dest = Path(self.build_lib, rel)
            self.mkpath(str(dest.parent))
            self.copy_file(str(src), str(dest))

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode),
                *(str(Path(self.build_lib, rel)) for _, rel in model_files())]


setup(cmdclass={"build_py": build_py_with_models})
