"""Opening uploaded Excel workbooks safely: every import goes through `open_workbook`.

An .xlsx is a zip archive. A 133 KB "zip bomb" (a sheet of millions of cells that compresses to almost
nothing) cost 20 s and 140 MB of worker memory inside openpyxl. Before openpyxl sees a byte, the archive's
directory is checked: the declared uncompressed size of all members (which also bounds what zipfile will
inflate: it stops at the declared size), the compression ratio, and every worksheet's declared dimension
(`<dimension ref="A1:Z100"/>`), whose cell count must stay below the limit. Anything over a limit is
refused with a Chinese message (`WorkbookRefused`, a `ValueError`), as is a file that is not an .xlsx.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any, BinaryIO, Final

from django.conf import settings
from openpyxl import Workbook

MAX_UNCOMPRESSED_BYTES: Final = 50 * 1024 * 1024
MAX_CELLS: Final = 1_000_000
MAX_RATIO: Final = 200  # xlsx text compresses ~5-20x; a bomb 1000x and more
_DIMENSION: Final = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")


class WorkbookRefused(ValueError):
    """The upload is not an Excel workbook this system will open; the message is Chinese."""


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:  # bytes iterate as ints: b"A" -> 65
        n = n * 26 + ch - 64
    return n


def _declared_cells(head: bytes) -> int | None:
    match = _DIMENSION.search(head)
    if match is None:
        return None
    c1, r1, c2, r2 = match.groups()
    if c2 is None:
        return 1
    return (abs(_column_number(c2) - _column_number(c1)) + 1) * (abs(int(r2) - int(r1)) + 1)


def check_workbook(data: bytes | BinaryIO) -> None:
    """Raise `WorkbookRefused` unless `data` is an .xlsx within the size and cell limits."""
    max_bytes = getattr(settings, "TEIS_IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    max_cells = getattr(settings, "TEIS_IMPORT_MAX_CELLS", MAX_CELLS)
    fileobj = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    start = fileobj.tell() if hasattr(fileobj, "tell") else 0
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if total > max_bytes:
                size, limit = total // 1024 // 1024, max_bytes // 1024 // 1024
                raise WorkbookRefused(f"Excel 文件解压后过大（{size} MB，上限 {limit} MB），请拆分后导入。")
            if total > 1024 * 1024 and total / packed > MAX_RATIO:
                raise WorkbookRefused("Excel 文件压缩比异常（疑似压缩炸弹），已拒绝导入。")
            cells = 0
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                    with archive.open(member) as fh:
                        declared = _declared_cells(fh.read(4096))
                    cells += declared or 0
            if cells > max_cells:
                raise WorkbookRefused(f"Excel 文件单元格过多（{cells} 个，上限 {max_cells} 个），请拆分后导入。")
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused("文件不是有效的 Excel（.xlsx）文件。") from exc
    finally:
        if hasattr(fileobj, "seek"):
            fileobj.seek(start)


def open_workbook(data: bytes | BinaryIO, **kwargs: Any) -> Workbook:
    """`openpyxl.load_workbook` after `check_workbook` (read-only and values only unless told otherwise)."""
    from openpyxl import load_workbook

    check_workbook(data)
    fileobj = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    kwargs.setdefault("read_only", True)
    kwargs.setdefault("data_only", True)
    return load_workbook(fileobj, **kwargs)
