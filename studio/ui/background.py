"""Run a small function on Qt's thread pool and get its result back on the UI thread
(file parsing for previews: a long MIDI or WAV must not stall the event loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid


class _Carrier(QObject):
    done = Signal(object, object)  # (result, error)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], carrier: _Carrier) -> None:
        super().__init__()
        self.fn, self.carrier = fn, carrier

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported to the caller on the UI thread
            self.carrier.done.emit(None, exc)
        else:
            self.carrier.done.emit(result, None)


class Background(QObject):
    """One owner's background work; only the newest task's answer is delivered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        self._serial = 0
        self._carriers: dict[int, _Carrier] = {}

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self._serial += 1
        serial = self._serial
        carrier = _Carrier()  # created here, so its signal is delivered on this thread

        def deliver(result: Any, error: Exception | None) -> None:
            if not isValid(self):
                return  # the widget that asked is gone (closed before the file was read)
            self._carriers.pop(serial, None)
            if serial != self._serial:
                return  # a newer file was asked for meanwhile
            if error is not None:
                on_error(error)
            else:
                on_done(result)

        carrier.done.connect(deliver)
        self._carriers[serial] = carrier
        self.pool.start(_Task(fn, carrier))

    @property
    def busy(self) -> bool:
        return bool(self._carriers)
