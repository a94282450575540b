"""The limits of an import, in one place.

Each is far above what a real CRM export reaches; a file over one is refused
with the limit named, before it can exhaust memory or break the project file.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1024**3  # 1 GB: the file itself (a 200,000-account export is ~30 MB)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_COLUMNS = 1_000  # a project's table holds at most 2,000 (SQLite's limit)
MAX_ROWS = 2_000_000  # ten times the 200,000-account benchmark
MAX_RECORD_CHARS = MAX_CELL_CHARS * MAX_COLUMNS  # one CSV record (one field at most this)
MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS  # one CSV line: up to 4 bytes per character
MAX_XLSX_XML_BYTES = 2 * 1024**3  # 2 GB: a workbook's XML unpacked (a full sheet is ~1 GB)
MAX_XLSX_RATIO = 200  # a part over 50 MB may unpack to 200x its packed size, no more
XLSX_RATIO_FLOOR = 50 * 1024**2
READ_CHUNK = 1024**2
