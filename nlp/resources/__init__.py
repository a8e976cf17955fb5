"""Files shipped with the package: dictionaries, stopwords, the theme lexicon, models.

Examples
--------
>>> bundled_resource("themes.toml").name
'themes.toml'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_resource", "shipped_model_dir"]


def bundled_resource(name: str) -> Path:
    """Path of a file in ``nlp/resources`` (``userdict.txt``, ``stopwords.txt``...)."""
    return Path(str(resources.files(__name__) / name))


def shipped_model_dir(kind: str) -> Path:
    """Folder of a shipped model: ``"themes"`` or ``"lda"``.

    In a source checkout this is the top-level ``models/`` folder.

    Examples
    --------
    >>> shipped_model_dir("themes").name
    'themes'
    """
    if kind not in ("themes", "lda"):
        raise ValueError(f"kind must be 'themes' or 'lda', got {kind!r}")
    return Path(__file__).resolve().parents[2] / "models" / kind
