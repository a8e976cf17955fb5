"""Resource limits for reading one file, so oversized input fails with a clear error."""

from __future__ import annotations

import dataclasses

__all__ = ["Limits", "DEFAULT_LIMITS", "check_limits"]


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource bounds for reading one file.

    Parameters
    ----------
    max_bytes : int
        Largest file read, in bytes (default 50 MB).
    max_unpacked_bytes : int
        Largest total uncompressed size of a ``.docx`` archive (default 200 MB).
    max_chars : int
        Largest text after extraction, in characters (default 20 million).
    max_units : int
        Most units one report may be segmented into (default 100 000).

    Raises
    ------
    TypeError, ValueError
        If a limit is not a positive integer (the message names it).

    Examples
    --------
    >>> Limits(max_bytes=5_000_000).max_bytes
    5000000
    """

    max_bytes: int = 50_000_000
    max_unpacked_bytes: int = 200_000_000
    max_chars: int = 20_000_000
    max_units: int = 100_000

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits.{field.name} must be a positive int, "
                                f"got {type(value).__name__} {value!r}")
            if value <= 0:
                raise ValueError(f"Limits.{field.name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = Limits()


def check_limits(limits) -> None:
    """Refuse anything but a :class:`Limits` for a ``limits`` parameter."""
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be an nlp.Limits, got {type(limits).__name__} {limits!r}")
