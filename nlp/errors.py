"""Exceptions raised by fazhi-nlp.

Every error caused by what a user gave us (a file, a labels table, a parameter)
is an :class:`InputError`; the CLI turns it into exit code 2.  Model files that
fail their integrity check raise :class:`ModelIntegrityError`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FazhiError", "InputError", "ModelIntegrityError", "ResourceLimitError"]


class FazhiError(Exception):
    """Base class of all errors raised on purpose by fazhi-nlp."""


class InputError(FazhiError, ValueError):
    """Bad input: the message names the file, and the line or unit when known.

    Parameters
    ----------
    message : str
        What is wrong, and what is expected.
    path : str or Path, optional
        The file the problem is in.
    line : int, optional
        1-based line (or row) number in that file.
    unit : str, optional
        The unit id, for problems inside a report.

    Examples
    --------
    >>> str(InputError("文件为空 (empty file)", path="报告.txt"))
    '报告.txt: 文件为空 (empty file)'
    """

    def __init__(self, message: str, *, path=None, line=None, unit=None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.unit = unit
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
        if self.unit is not None:
            where += f" [unit {self.unit}]" if where else f"unit {self.unit}"
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self):
        return (_rebuild_input_error, (type(self), self.message, self.path, self.line, self.unit))


def _rebuild_input_error(cls, message, path, line, unit):
    return cls(message, path=path, line=line, unit=unit)


class ResourceLimitError(InputError):
    """An input exceeds a configured limit (file size, unpacked size, units)."""


class ModelIntegrityError(FazhiError):
    """A saved model is changed, incomplete or holds types we do not trust."""

    def __init__(self, message: str, *, path: str | Path | None = None):
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)
