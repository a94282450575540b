"""Draw the app icon (a map pin over three territories): ``python scripts/make_icon.py``.

Writes ``territory_planner/resources/icon.png`` (256 x 256). Run again only to change it.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

SIZE = 256
OUT = Path(__file__).resolve().parent.parent / "territory_planner" / "resources" / "icon.png"


def draw() -> QImage:
    """The icon as an image with a transparent background."""
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    card = QRectF(12, 12, SIZE - 24, SIZE - 24)
    clip = QPainterPath()
    clip.addRoundedRect(card, 36, 36)
    p.setClipPath(clip)
    # three territories
    for colour, points in (
        ("#4e79a7", [(12, 12), (150, 12), (120, 130), (12, 150)]),
        ("#59a14f", [(150, 12), (244, 12), (244, 170), (120, 130)]),
        ("#f28e2b", [(12, 150), (120, 130), (244, 170), (244, 244), (12, 244)]),
    ):
        path = QPainterPath()
        path.moveTo(*points[0])
        for x, y in points[1:]:
            path.lineTo(x, y)
        path.closeSubpath()
        p.fillPath(path, QColor(colour))
        p.strokePath(path, QPen(QColor("white"), 6))
    p.setClipping(False)
    # the pin
    pin = QPainterPath()
    pin.moveTo(128, 222)
    pin.cubicTo(96, 170, 78, 140, 78, 112)
    pin.arcTo(QRectF(78, 62, 100, 100), 180, -180)
    pin.cubicTo(178, 140, 160, 170, 128, 222)
    pin.closeSubpath()
    p.setPen(QPen(QColor("white"), 8))
    p.setBrush(QBrush(QColor("#e15759")))
    p.drawPath(pin)
    p.setBrush(QBrush(QColor("white")))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QPointF(128, 112), 20, 20)
    p.end()
    return image


if __name__ == "__main__":
    app = QGuiApplication(sys.argv)
    draw().save(str(OUT))
    print(OUT)
