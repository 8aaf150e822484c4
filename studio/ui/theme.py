"""Dark and light themes: one palette each plus a small style sheet, and the emotion
colours every widget shares.

Primary colours follow the conventional colouring of Plutchik's wheel (Plutchik 2001,
American Scientist 89:344, figure of the wheel); exact hex values are project calibration,
chosen to stay distinguishable on both themes.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QApplication

ARROW_PX = (16, 10)  # drawn at twice the 8×5 px shown, for high-density screens
EMOTION_COLOURS: dict[str, str] = {
    "joy": "#f4c430",
    "trust": "#8cc63f",
    "fear": "#2e9d5b",
    "surprise": "#35a7d8",
    "sadness": "#3d6fd1",
    "disgust": "#9b59b6",
    "anger": "#e0453a",
    "anticipation": "#f08a24",
}


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    accent: str
    border: str
    pad_bg: str
    pad_grid: str
    danger: str


DARK = Theme(
    name="dark",
    window="#1f2126",
    base="#16181c",
    alt_base="#262930",
    text="#e6e7ea",
    muted="#9a9ea8",
    accent="#6c9cff",
    border="#353943",
    pad_bg="#121418",
    pad_grid="#2c3039",
    danger="#ff6b61",
)
LIGHT = Theme(
    name="light",
    window="#f3f4f6",
    base="#ffffff",
    alt_base="#eceef1",
    text="#1d1f24",
    muted="#5d6370",
    accent="#2f64d6",
    border="#cfd3da",
    pad_bg="#fbfbfc",
    pad_grid="#dfe2e7",
    danger="#c62828",
)
THEMES = {"dark": DARK, "light": LIGHT}

_current: Theme = DARK


def current() -> Theme:
    return _current


def emotion_colour(emotion_id: str) -> QColor:
    return QColor(EMOTION_COLOURS.get(emotion_id, "#888888"))


def mixture_colour(mixture: dict[str, float] | object) -> QColor:
    """The weighted mean colour of a mixture (grey for neutral)."""
    items = list(getattr(mixture, "items", dict)())
    total = sum(w for _, w in items)
    if not items or total <= 0:
        return QColor(current().muted)
    r = g = b = 0.0
    for pid, w in items:
        c = emotion_colour(pid)
        r, g, b = r + w * c.redF(), g + w * c.greenF(), b + w * c.blueF()
    return QColor.fromRgbF(r / total, g / total, b / total)


_ARROW_DIR: Path | None = None


def _arrow_files(t: Theme) -> dict[str, str]:
    """Spin-box arrows as small PNG triangles in the theme's colours (style sheets take
    images by file; the border trick drew them as bars under Fusion). Written once per
    process into a private folder that goes at exit."""
    global _ARROW_DIR
    if _ARROW_DIR is None:
        _ARROW_DIR = Path(tempfile.mkdtemp(prefix="emotion-studio-arrows-"))
        atexit.register(shutil.rmtree, _ARROW_DIR, True)
    files = {}
    for name, up, colour in (
        ("up", True, t.text),
        ("down", False, t.text),
        ("up-off", True, t.muted),
        ("down-off", False, t.muted),
    ):
        path = _ARROW_DIR / f"{t.name}-{name}.png"
        if not path.exists():
            _triangle(up, colour).save(str(path))  # PNG, from the name
        files[name] = path.as_posix()
    check = _ARROW_DIR / "check.png"  # white on the accent, the same in both themes
    if not check.exists():
        _check_mark().save(str(check))
    files["check"] = check.as_posix()
    return files


def _check_mark() -> QImage:
    image = QImage(28, 28, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor("#ffffff"), 3.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.drawPolyline(QPolygonF([QPointF(6, 14.5), QPointF(11.5, 20), QPointF(22, 8)]))
    p.end()
    return image


def _triangle(up: bool, colour: str) -> QImage:
    w, h = ARROW_PX
    image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    tip, base = (0.0, float(h)) if up else (float(h), 0.0)
    p.drawPolygon(QPolygonF([QPointF(w / 2, tip), QPointF(w, base), QPointF(0, base)]))
    p.end()
    return image


def _style_sheet(t: Theme) -> str:
    arrows = _arrow_files(t)
    return f"""
    QWidget {{ font-size: 10pt; }}
    QMainWindow::separator {{ background: {t.border}; width: 1px; height: 1px; }}
    QDockWidget {{ titlebar-close-icon: none; }}
    QDockWidget::title {{ padding: 6px 8px; background: {t.alt_base}; color: {t.muted};
        font-weight: 600; }}
    QGroupBox {{ border: 1px solid {t.border}; border-radius: 6px; margin-top: 14px;
        padding: 10px 8px 8px 8px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px;
        color: {t.muted}; font-weight: 600; }}
    QPushButton {{ padding: 5px 14px; border-radius: 5px; border: 1px solid {t.border};
        background: {t.alt_base}; }}
    QPushButton:hover {{ border-color: {t.accent}; }}
    QPushButton:disabled {{ color: {t.muted}; }}
    QPushButton#primary {{ background: {t.accent}; color: white; border: none;
        font-weight: 600; padding: 7px 18px; }}
    QPushButton#primary:disabled {{ background: {t.border}; color: {t.muted}; }}
    QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QPlainTextEdit {{
        padding: 4px 6px; border-radius: 4px; border: 1px solid {t.border};
        background: {t.base}; }}
    QSpinBox, QDoubleSpinBox {{ padding-right: 18px; }}
    QSpinBox::up-button, QDoubleSpinBox::up-button, QSpinBox::down-button,
    QDoubleSpinBox::down-button {{ width: 16px; border: none; background: {t.alt_base}; }}
    QSpinBox::up-button, QDoubleSpinBox::up-button {{ subcontrol-position: top right;
        border-top-right-radius: 4px; }}
    QSpinBox::down-button, QDoubleSpinBox::down-button {{ subcontrol-position: bottom right;
        border-bottom-right-radius: 4px; }}
    QSpinBox::up-button:hover, QDoubleSpinBox::up-button:hover, QSpinBox::down-button:hover,
    QDoubleSpinBox::down-button:hover {{ background: {t.border}; }}
    QSpinBox::up-arrow, QDoubleSpinBox::up-arrow {{ image: url({arrows["up"]});
        width: 8px; height: 5px; }}
    QSpinBox::down-arrow, QDoubleSpinBox::down-arrow {{ image: url({arrows["down"]});
        width: 8px; height: 5px; }}
    QSpinBox::up-arrow:disabled, QDoubleSpinBox::up-arrow:disabled {{
        image: url({arrows["up-off"]}); }}
    QSpinBox::down-arrow:disabled, QDoubleSpinBox::down-arrow:disabled {{
        image: url({arrows["down-off"]}); }}
    QComboBox {{ padding-right: 20px; }}
    QComboBox::drop-down {{ subcontrol-origin: padding; subcontrol-position: top right;
        width: 18px; border: none; border-top-right-radius: 4px;
        border-bottom-right-radius: 4px; }}
    QComboBox::down-arrow {{ image: url({arrows["down"]}); width: 8px; height: 5px; }}
    QComboBox::down-arrow:disabled {{ image: url({arrows["down-off"]}); }}
    QCheckBox::indicator {{ width: 14px; height: 14px; border: 1px solid {t.muted};
        border-radius: 3px; background: {t.base}; }}
    QCheckBox::indicator:hover {{ border-color: {t.accent}; }}
    QCheckBox::indicator:checked {{ background: {t.accent}; border-color: {t.accent};
        image: url({arrows["check"]}); }}
    QCheckBox::indicator:disabled {{ border-color: {t.border}; background: {t.alt_base}; }}
    QCheckBox::indicator:checked:disabled {{ background: {t.border}; }}
    QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus,
    QPlainTextEdit:focus {{ border-color: {t.accent}; }}
    QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 6px; top: -1px; }}
    QTabBar::tab {{ padding: 6px 14px; border: 1px solid transparent; color: {t.muted}; }}
    QTabBar::tab:selected {{ color: {t.text}; border-bottom: 2px solid {t.accent}; }}
    QProgressBar {{ border: 1px solid {t.border}; border-radius: 4px; text-align: center;
        background: {t.base}; max-height: 14px; font-size: 8pt; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 3px; }}
    QLabel#emotionName {{ font-size: 17pt; font-weight: 600; }}
    QLabel#muted, QLabel#hint {{ color: {t.muted}; }}
    QLabel#error {{ color: {t.danger}; }}
    QListWidget {{ border: 1px solid {t.border}; border-radius: 4px; background: {t.base}; }}
    QToolTip {{ color: {t.text}; background: {t.alt_base}; border: 1px solid {t.border}; }}
    """


def apply(app: QApplication, name: str) -> Theme:
    """Install a theme on the application (Fusion style, palette and style sheet)."""
    global _current
    t = THEMES.get(name, DARK)
    _current = t
    app.setStyle("Fusion")
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: t.window,
        QPalette.ColorRole.WindowText: t.text,
        QPalette.ColorRole.Base: t.base,
        QPalette.ColorRole.AlternateBase: t.alt_base,
        QPalette.ColorRole.Text: t.text,
        QPalette.ColorRole.Button: t.alt_base,
        QPalette.ColorRole.ButtonText: t.text,
        QPalette.ColorRole.Highlight: t.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: t.alt_base,
        QPalette.ColorRole.ToolTipText: t.text,
        QPalette.ColorRole.PlaceholderText: t.muted,
        QPalette.ColorRole.Link: t.accent,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(t.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(t.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(t.muted))
    app.setPalette(p)
    app.setStyleSheet(_style_sheet(t))
    return t
