"""Excel export of any registered list: the same columns, scope and masking as the page."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from django.http import QueryDict
from openpyxl import Workbook
from openpyxl.styles import Font

from .display import column_label, display_value

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .registry import ModelConfig


def write_workbook(
    config: type[ModelConfig],
    rows: Iterable[Any],
    user: Any,
    stream: IO[bytes],
    *,
    total: int = 0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write `rows` to an xlsx in `stream` (write-only mode keeps memory flat). Returns the row count."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(config.verbose_name())[:30])
    ws.append([_bold(ws, column_label(config.model, c)) for c in config.list_columns])
    count = 0
    for obj in rows:
        ws.append([display_value(obj, c, config, user) for c in config.list_columns])
        count += 1
        if progress and count % 500 == 0:
            progress(count)
    wb.save(stream)
    if progress:
        progress(count)
    return count


def _bold(ws: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    return cell


def filtered_queryset(config: type[ModelConfig], user: Any, query: str) -> QuerySet[Any]:
    """The list's queryset for `user` with the filters and sort of a query string: shared by the page, the
    synchronous export and the export job, so all three agree."""
    from .filters import filterset_for
    from .views import apply_sort

    params = QueryDict(query or "")
    qs: QuerySet[Any] = config.queryset_for(user)
    fs = filterset_for(config)(params, queryset=qs, request=_UserRequest(user))
    qs = fs.qs if fs.is_valid() else qs.none()
    return apply_sort(config, qs, params.get("sort", ""))


class _UserRequest:
    """The little of a request a FilterSet needs, for use inside jobs."""

    def __init__(self, user: Any) -> None:
        self.user = user


def export_bytes(config: type[ModelConfig], user: Any, query: str) -> tuple[bytes, int]:
    buf = io.BytesIO()
    qs = filtered_queryset(config, user, query)
    n = write_workbook(config, qs.iterator(chunk_size=1000) if not _has_prefetch(config) else qs, user, buf)
    return buf.getvalue(), n


def _has_prefetch(config: type[ModelConfig]) -> bool:
    return bool(config.related_paths()[1])
