"""File formats: bytes on disk → raw text, within resource limits.

Plain text and Markdown, saved web pages (``.html``/``.htm``), ``.docx`` and
``.pdf``.  Knows nothing of reports' structure or metadata.
"""

from __future__ import annotations

import errno
import io
import re
import stat
import zipfile
import zlib
from pathlib import Path

from ..errors import InputError, ResourceLimitError
from .clutter import strip_clutter
from .encodings import decode_bytes
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["SUPPORTED_SUFFIXES", "read_raw_text"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LINK_SEPARATORS = re.compile(r"[\s|｜/·•>»＞\-–—、,，]+")


_BLOCK_TAGS = frozenset(["li", "ul", "ol", "dl", "dd", "dt", "div", "td", "th", "tr", "table",
                         "p", "section", "article", "aside", "main", "center", "body",
                         "h1", "h2", "h3", "h4", "h5", "h6"])
_BREAK_AFTER = frozenset(["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr",
                          "section", "article", "table"])
_UNREAD_TAGS = frozenset(["script", "style", "noscript", "iframe", "object", "embed", "nav",
                          "header", "footer", "form", "select", "button", "svg", "template",
                          "frameset", "frame", "applet", "link", "meta", "base"])


def _walk(root, skip):
    """Depth-first events ``("open", tag)``, ``("text", str)``, ``("close", tag)``.

    Iterative, so deeply nested pages neither recurse nor cost more than one
    visit per node; ``skip(tag)`` prunes a subtree.
    """
    from bs4 import CData, NavigableString, Tag

    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            yield "close", node
        elif isinstance(node, Tag):
            if skip(node):
                continue
            yield "open", node
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) in (NavigableString, CData):
            yield "text", str(node)


def _html_text(soup) -> tuple[str, str]:
    """``(title, body)`` of a parsed page, with a line break after each block.

    Menus go: links whose nearest block (``li``, ``div``, ``p``…) holds no
    other text than links and separators are left out, while a link inside a
    sentence (``依据<a>《宪法》</a>规定``) stays.  Two linear passes, no changes
    to the tree.
    """
    title_tag = soup.title
    title = title_tag.get_text(strip=True) if title_tag is not None else ""

    def skip(tag):
        return tag.name in _UNREAD_TAGS or tag is title_tag

    # pass 1: which blocks hold text outside links
    has_text: dict[int, bool] = {}
    blocks: list = [soup]
    in_link = 0
    for event, node in _walk(soup, skip):
        if event == "open":
            if node.name in _BLOCK_TAGS:
                blocks.append(node)
                has_text[id(node)] = False
            elif node.name == "a":
                in_link += 1
        elif event == "close":
            if node.name in _BLOCK_TAGS:
                blocks.pop()
                if has_text[id(node)]:
                    has_text[id(blocks[-1])] = True
            elif node.name == "a":
                in_link -= 1
        elif not in_link and _LINK_SEPARATORS.sub("", node):
            has_text[id(blocks[-1])] = True
    # pass 2: the text, without menu links
    out: list[str] = []
    blocks, dropping = [soup], 0
    for event, node in _walk(soup, skip):
        if event == "open":
            if node.name in _BLOCK_TAGS:
                blocks.append(node)
            elif node.name == "a" and (dropping or not has_text.get(id(blocks[-1]), False)):
                dropping += 1
            elif node.name == "br" and not dropping:
                out.append("\n")
        elif event == "close":
            if node.name in _BLOCK_TAGS:
                blocks.pop()
            elif node.name == "a" and dropping:
                dropping -= 1
            if node.name in _BREAK_AFTER:
                out.append("\n")
        elif not dropping:
            out.append(node)
    return title, "".join(out)


def _read_html(data: bytes, path) -> str:
    """Text of a saved web page.

    Parsing only: Python's ``html.parser`` never fetches URLs, runs scripts or
    resolves entities beyond the HTML named ones; scripts, styles, frames,
    embedded objects, forms and navigation menus are skipped unread.
    """
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    text = decode_bytes(data, path=path)
    with warnings.catch_warnings():  # a page that is only a URL is still just text to us
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")
    title, body = _html_text(soup)
    if not _HAN.search(strip_clutter(body)[0]):
        raise InputError("no Chinese body text: the web page holds only navigation, links "
                         "or site furniture (save the article page itself)", path=path)
    return ((title + "\n") if title else "") + body


_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_zip(source, path, limits: Limits) -> None:
    """Unpack every member of a .docx once, in small chunks, before python-docx sees it.

    Refuses (``ResourceLimitError``) archives that unpack to more than
    ``limits.max_unpacked_bytes`` - counting the bytes really produced, not the
    sizes the archive claims - or compress more than 1000:1; refuses
    (``InputError``) compression methods Word never uses, corrupt members and
    XML parts that declare a DTD or entities (Word never writes them; they are
    how XML external-entity and entity-expansion attacks are built).
    """
    def too_big(what):
        return ResourceLimitError(f"docx unpacks to more than max_unpacked_bytes="
                                  f"{limits.max_unpacked_bytes} bytes ({what}; possible zip "
                                  "bomb)", path=path)

    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > limits.max_unpacked_bytes:
                raise too_big("declared sizes")
            total = 0
            for info in infos:
                if info.compress_type not in _ZIP_METHODS:
                    raise InputError(f"docx member {info.filename!r} uses compression method "
                                     f"{info.compress_type}, which Word never writes", path=path)
                if info.compress_size and info.file_size / info.compress_size > 1000:
                    raise ResourceLimitError(
                        f"docx member {info.filename!r} has a compression ratio over 1000 "
                        "(possible zip bomb)", path=path)
                is_xml = info.filename.lower().endswith((".xml", ".rels"))
                tail = b""
                with zf.open(info) as member:
                    while chunk := member.read(1 << 16):
                        total += len(chunk)
                        if total > limits.max_unpacked_bytes:
                            raise too_big("bytes unpacked")
                        if is_xml and _DTD.search(tail + chunk):
                            raise InputError(
                                f"docx part {info.filename!r} declares a DTD or entities, which "
                                "Word never writes (possible XML external-entity attack); "
                                "refusing to parse it", path=path)
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error,
            NotImplementedError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"not a valid .docx file (broken zip archive: {exc})",
                         path=path) from exc


def _read_docx(data: bytes, path, limits: Limits) -> str:
    _check_zip(io.BytesIO(data), path, limits)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise InputError(f"not a readable .docx file ({type(exc).__name__}: {exc})",
                         path=path) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


_PDF_STREAM = re.compile(rb"stream\r?\n")


def _check_pdf_streams(data: bytes, path, limits: Limits) -> None:
    """Inflate every Flate stream of a PDF in bounded chunks before pdfminer does.

    pdfminer inflates each stream in one go; a PDF of a few megabytes can
    hold streams that inflate to gigabytes.  This scan counts the bytes
    really produced and stops at ``limits.max_unpacked_bytes``.
    """
    total = 0
    for m in _PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        pos = m.end()
        try:
            while pos < len(data) and not inflater.eof:
                chunk = data[pos:pos + (1 << 16)]
                pos += len(chunk)
                out = inflater.decompress(chunk, 1 << 20)
                total += len(out)
                while inflater.unconsumed_tail and total <= limits.max_unpacked_bytes:
                    out = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
                    total += len(out)
                if total > limits.max_unpacked_bytes:
                    raise ResourceLimitError(
                        f"PDF streams inflate to more than max_unpacked_bytes="
                        f"{limits.max_unpacked_bytes} bytes (possible decompression bomb)",
                        path=path)
        except zlib.error:
            continue  # not a Flate stream (or a corrupt one: pdfminer will say)


def _read_pdf(data: bytes, path, limits: Limits) -> str:
    _check_pdf_streams(data, path, limits)
    try:
        from pdfminer.high_level import extract_text
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("reading PDF needs pdfminer.six", path=path) from exc
    try:
        text = extract_text(io.BytesIO(data))
    except PDFSyntaxError as exc:
        raise InputError(f"not a readable PDF: {exc}", path=path) from exc
    except RecursionError as exc:
        raise InputError("not a readable PDF (objects nested too deeply)", path=path) from exc
    except Exception as exc:  # pdfminer raises a zoo of types for broken files
        raise InputError(f"not a readable PDF ({type(exc).__name__}: {exc})", path=path) from exc
    if not re.search(r"[\u4e00-\u9fffA-Za-z]", text or ""):
        raise InputError("PDF has no text layer (a scanned image?): run OCR first", path=path)
    # pdfminer breaks lines inside paragraphs; join lines that do not end a sentence
    text = text.replace("\x0c", "\n")
    return re.sub(r"(?<![。！？；：:;!?\n])\n(?!\n)(?![一二三四五六七八九十]+、|[(（]\S{1,3}[)）])", "",
                  text)


def _read_bytes(path: Path, limits: Limits) -> bytes:
    """The bytes of a regular file, never more than ``limits.max_bytes`` of them."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a directory, not a report file (use load_corpus for folders)",
                             path=path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a device, pipe or socket?)", path=path)
        if st.st_size > limits.max_bytes:
            raise ResourceLimitError(f"file is {st.st_size} bytes, over max_bytes="
                                     f"{limits.max_bytes}", path=path)
        with open(path, "rb") as f:
            data = f.read(limits.max_bytes + 1)
    except PermissionError as exc:
        raise InputError("permission denied: cannot read the file", path=path) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a report file", path=path) from exc
    except OSError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    if len(data) > limits.max_bytes:
        raise ResourceLimitError(f"file grew past max_bytes={limits.max_bytes} while being "
                                 "read", path=path)
    if not data:
        raise InputError("empty file", path=path)
    return data


def read_raw_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a report file's raw text (any supported format and encoding).

    Raises
    ------
    InputError
        Missing, unreadable, looping, empty or undecodable files, directories
        and unsupported types; the message names the file.
    ResourceLimitError
        A file over ``limits.max_bytes``, a .docx or PDF that unpacks to more
        than ``limits.max_unpacked_bytes``, text over ``limits.max_chars``.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise InputError("the path contains a NUL character", path=repr(str(path)))
    try:
        path.resolve(strict=True)
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise InputError("broken symbolic link: its target does not exist",
                             path=path) from exc
        raise InputError("no such file", path=path) from exc
    except RuntimeError as exc:  # Python < 3.13 reports a symlink loop this way
        raise InputError("symbolic link loop: the path never reaches a file",
                         path=path) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("symbolic link loop: the path never reaches a file",
                             path=path) from exc
        raise InputError(f"cannot resolve path: {exc.strerror or exc}", path=path) from exc
    if path.is_dir():
        raise InputError("is a directory, not a report file (use load_corpus for folders)",
                         path=path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"unsupported file type {suffix or '(none)'!r}; supported: "
                         f"{', '.join(SUPPORTED_SUFFIXES)}", path=path)
    data = _read_bytes(path, limits)
    if suffix == ".docx":
        text = _read_docx(data, path, limits)
    elif suffix == ".pdf":
        text = _read_pdf(data, path, limits)
    elif suffix in (".html", ".htm"):
        text = _read_html(data, path)
    else:
        text = decode_bytes(data, path=path)
    if len(text) > limits.max_chars:
        raise ResourceLimitError(f"text has {len(text)} characters, over max_chars="
                                 f"{limits.max_chars}", path=path)
    return text
