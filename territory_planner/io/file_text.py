"""A text file's bytes read within the size limits, its encoding sniffed, and decoded.

UTF-8 with stray Windows-1252 bytes (an export pasted together from two
systems) decodes with a per-byte fallback whose lines are kept for a warning.
"""

from __future__ import annotations

import codecs
import threading
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError
from territory_planner.io.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    READ_CHUNK,
)


def sniff_encoding(sample: bytes, *, whole_file: bool = False) -> str:
    """UTF-16/UTF-8 by their byte order marks, UTF-8 if it decodes, else Windows-1252.

    A sample cut from a longer file may end inside a UTF-8 character, so an
    error in its last 3 bytes does not count unless `whole_file`.

    Parameters
    ----------
    sample
        The file's first bytes (or all of them).
    whole_file
        The sample is the whole file.

    Returns
    -------
    str
        "utf-16", "utf-8-sig", "utf-8" or "cp1252".
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if whole_file or exc.start < len(sample) - 3:
            return "cp1252"
    return "utf-8"


def _read_limited(path: Path) -> bytearray:
    """The file's bytes, refusing as soon as one line is longer than `MAX_LINE_BYTES`."""
    data = bytearray()
    line = 0  # bytes of the line being read so far
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            first = chunk.find(b"\n")
            longest = line + (len(chunk) if first < 0 else first)
            if first >= 0:
                last = chunk.rfind(b"\n")
                longest = max(longest, *map(len, chunk[first + 1 : last].split(b"\n")))
                line = len(chunk) - last - 1
            else:
                line = longest
            if max(longest, line) > MAX_LINE_BYTES:
                lines = data.count(b"\n") + chunk.count(b"\n", 0, max(first, 0)) + 1
                msg = (
                    f"a line near line {lines:,} is longer than {MAX_LINE_BYTES:,} bytes, the "
                    f"most a record of {MAX_COLUMNS:,} cells of {MAX_CELL_CHARS:,} characters "
                    "can take; this is not a table export: check the file and export it again"
                )
                raise InputError(msg, file=str(path))
            data += chunk
    return data


_ODD_BYTES = (
    "some characters are not valid {} and were read as Windows-1252 (check accented "
    "letters in this row; save the file as UTF-8 to be sure)"
)


def _decode(data: bytes | bytearray, encoding: str, source: str) -> tuple[str, list[int]]:
    """The file's text, and the lines (from 1) where bytes were not valid in `encoding`.

    UTF-8 is decoded with a fallback for each byte that is not: it is read as
    Windows-1252 (an export pasted together from two systems), and its line
    is kept for a warning. UTF-16 must be valid; Windows-1252 reads anything.
    """
    if encoding.startswith("utf-16"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError as exc:
            msg = f"the text is not valid {encoding}; save it as UTF-8 and import again"
            raise InputError(msg, file=source) from exc
    if encoding == "cp1252":
        return data.decode(encoding, errors="replace"), []
    odd: list[int] = []

    def fallback(exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)  # noqa: S101 (registered for decoding only)
        odd.append(exc.start)
        return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end

    _FALLBACK.handler = fallback
    text = data.decode(encoding, errors=_FALLBACK_NAME)
    return text, _line_numbers(data, b"\n", odd[:_MAX_NOTES])


class _Fallback(threading.local):
    """The decoding fallback of this thread's import (codecs registers handlers by name)."""

    handler: Any = None


_FALLBACK = _Fallback()
_FALLBACK_NAME = "territory_planner.cp1252_fallback"


def _dispatch(exc: UnicodeError) -> tuple[str, int]:
    return _FALLBACK.handler(exc)  # type: ignore[no-any-return]


codecs.register_error(_FALLBACK_NAME, _dispatch)
_MAX_NOTES = 1000  # rows warned about one problem, at most


def _line_numbers(text: Any, newline: Any, offsets: list[int]) -> list[int]:
    """The line (from 1) of each offset of `text` (ascending), counting as it goes."""
    lines, line, last = [], 1, 0
    for offset in offsets:
        line += text.count(newline, last, offset)
        last = offset
        lines.append(line)
    return lines
