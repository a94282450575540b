"""Checks on an XLSX workbook before openpyxl reads it: size, zip bombs, XML entities.

An XLSX is a zip of XML parts. A crafted one can unpack to gigabytes from a few
hundred kilobytes, or declare entities that expand without end ("billion
laughs") or read a local file (XXE). No spreadsheet program writes a DOCTYPE,
so any is refused; sizes are read from the zip's directory, before unpacking.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from territory_planner._errors import InputError
from territory_planner.io.limits import MAX_XLSX_RATIO, MAX_XLSX_XML_BYTES, XLSX_RATIO_FLOOR

BROKEN_XML = (ParseError, expat.ExpatError, zipfile.BadZipFile, KeyError, ValueError, EOFError)
NOT_VALID_XML = (
    "the workbook's XML is not valid (the file is damaged or was not written by a "
    "spreadsheet program); open it in Excel or LibreOffice and save it again as XLSX or CSV"
)
_NOT_SAFE_XML = (
    "the workbook's XML is not safe to read: it declares entities (a DOCTYPE), which no "
    "spreadsheet program writes and which can expand without end or read other files; "
    "nothing was imported: open it in Excel or LibreOffice and save it again as XLSX or CSV"
)
_XML_PARTS = (".xml", ".rels", ".vml")


class _RootReachedError(Exception):
    """The XML prolog is over: no DOCTYPE can follow."""


class _DoctypeError(Exception):
    """The XML declares a DOCTYPE or an entity."""


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose XML unpacks too big or declares entities, before openpyxl reads it.

    Only the parts' sizes and the start of each XML part (up to its first
    element) are read: no entity is ever expanded and no other file opened.

    Parameters
    ----------
    path
        The workbook (.xlsx); too big, entity-laden or unreadable raises `InputError`.
    """
    try:
        with zipfile.ZipFile(path) as book:
            parts = [i for i in book.infolist() if i.filename.lower().endswith(_XML_PARTS)]
            total = sum(i.file_size for i in parts)
            if total > MAX_XLSX_XML_BYTES:
                msg = (
                    f"the workbook's XML unpacks to {total:,} bytes, more than the limit of "
                    f"{MAX_XLSX_XML_BYTES:,}; nothing was imported: split it or save it as CSV"
                )
                raise InputError(msg, file=str(path))
            for info in parts:
                packed = max(info.compress_size, 1)
                if info.file_size > XLSX_RATIO_FLOOR and info.file_size > MAX_XLSX_RATIO * packed:
                    msg = (
                        f"the workbook's part {info.filename} unpacks from {packed:,} to "
                        f"{info.file_size:,} bytes, more than {MAX_XLSX_RATIO} times its size "
                        "(the limit for a part over 50 MB); a real export does not: nothing "
                        "was imported, open it in Excel or LibreOffice and save it again"
                    )
                    raise InputError(msg, file=str(path))
            for info in parts:
                _check_prolog(book, info, path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        msg = (
            "cannot open this Excel file (damaged, password-protected or not XLSX); "
            "save it again as XLSX or CSV"
        )
        raise InputError(msg, file=str(path)) from exc


def _check_prolog(book: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """Parse one XML part up to its first element; refuse a DOCTYPE or entity declaration."""
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        raise _DoctypeError

    def root(*_: object) -> None:
        raise _RootReachedError

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        with book.open(info) as part:
            while chunk := part.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _RootReachedError:
        return
    except _DoctypeError as exc:
        raise InputError(_NOT_SAFE_XML, file=str(path)) from exc
    except expat.ExpatError as exc:
        raise InputError(NOT_VALID_XML, file=str(path)) from exc
    raise InputError(NOT_VALID_XML, file=str(path))  # no element at all
