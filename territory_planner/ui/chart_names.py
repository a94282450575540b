"""Names in the charts (beside bars, in legends): the room they need, elided in the middle.

A long territory name such as "Dana Whitfield's territory (Greater Chicago and
Northwest Indiana)" gets as much of the chart as it can spare; what still does
not fit loses its middle ("Dana Whitfield's…Indiana)"), so both ends stay
readable, and the tooltip over its row shows it whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget

PADDING = 8  # between a name and what is drawn beside it


def names_width(
    metrics: QFontMetrics, names: Sequence[str], width: float, share: float, minimum: int = 60
) -> int:
    """The width of a column of `names`: the widest, but at most `share` of the chart's `width`."""
    widest = max((metrics.horizontalAdvance(name) for name in names), default=0) + PADDING
    return int(max(minimum, min(widest, share * width)))


def elided(metrics: QFontMetrics, name: str, width: float) -> str:
    """`name` as it fits in `width` pixels: whole, or without its middle."""
    return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, int(width))


def name_tooltip(
    widget: QWidget, event: QEvent, name_at: Callable[[QPoint], str | None], hint: str
) -> bool:
    """Answer a tooltip event on a chart: the whole name under the cursor, then `hint`.

    Returns whether `event` was a tooltip event (and so was handled).
    """
    if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
        return False
    name = name_at(event.pos())
    QToolTip.showText(event.globalPos(), f"{name}\n{hint}" if name else hint, widget)
    return True
