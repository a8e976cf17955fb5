"""Files shipped with the package: dictionaries, stopwords, the theme lexicon, models.

The shipped models live in the repository's top-level ``models/`` folder, the
one place they are trained into and reviewed.  Building a wheel or an sdist
copies them into the package as ``nlp/resources/models/`` (``setup.py``), so
an installed package finds them without the repository.

Examples
--------
>>> bundled_resource("themes.toml").name
'themes.toml'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_resource", "shipped_model_dir", "MODEL_KINDS"]

#: the shipped models: ``models/<kind>`` in the repository
MODEL_KINDS = ("themes", "lda")


def bundled_resource(name: str) -> Path:
    """Path of a file in ``nlp/resources`` (``userdict.txt``, ``stopwords.txt``...)."""
    return Path(str(resources.files(__name__) / name))


def shipped_model_dir(kind: str) -> Path:
    """Folder of a shipped model: ``"themes"`` or ``"lda"``.

    In an installed package (a wheel) this is ``nlp/resources/models/<kind>``
    inside the package; in a source checkout or an editable install, the
    top-level ``models/<kind>``.  When neither exists the package's own path is
    returned, so that loading names where the model was expected.

    Examples
    --------
    >>> shipped_model_dir("themes").name
    'themes'
    >>> (shipped_model_dir("lda") / "manifest.json").is_file()
    True
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"kind must be one of {MODEL_KINDS}, got {kind!r}")
    here = Path(__file__).resolve().parent
    packaged = here / "models" / kind
    checkout = here.parents[1] / "models" / kind
    if packaged.is_dir() or not checkout.is_dir():
        return packaged
    return checkout
