"""Ingest: report files as researchers really have them → :class:`Report`.

One module per step of reading a file:

========================  ===============================================
``limits``                resource bounds (:class:`Limits`)
``encodings``             bytes → text (UTF-8, UTF-16, GB18030, Big5)
``formats``               .txt/.md, saved web pages, .docx, .pdf → raw text
``chinese``               traditional → simplified, full width, pinyin glosses
``clutter``               site clutter and disclosure metadata blocks
``metadata``              title, agency, region and covered year from the text
``report``                :class:`Report` and :func:`read_report`
========================  ===============================================

Examples
--------
>>> normalize_text("建設(shè)法治政府２０２１年")
'建设法治政府2021年'
"""

from .chinese import fix_stray_traditional, is_traditional, normalize_text, to_simplified
from .clutter import strip_clutter
from .encodings import decode_bytes
from .formats import SUPPORTED_SUFFIXES, read_raw_text
from .limits import DEFAULT_LIMITS, Limits
from .report import Report, read_report

__all__ = ["Report", "read_report", "Limits", "DEFAULT_LIMITS", "SUPPORTED_SUFFIXES",
           "decode_bytes", "read_raw_text", "normalize_text", "strip_clutter", "to_simplified",
           "is_traditional", "fix_stray_traditional"]
