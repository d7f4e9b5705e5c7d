"""The CJK font for text TEIS draws into images (share receipts, demo snapshots): Noto CJK from Debian's
`fonts-noto-cjk` (installed by `make install`), else WenQuanYi; None when neither is there."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@functools.cache
def cjk_font(size: int) -> FreeTypeFont | None:
    from PIL import ImageFont

    for path in CJK_FONT_FILES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return None
