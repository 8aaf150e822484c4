"""One panel per registered generator: backend, format, seed, a form built from its params
model, Generate, live preview, and the preview of its latest result."""

from __future__ import annotations

import itertools
import random
import weakref
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.emotion import Condition, Trajectory
from studio.jobs import EventKind, Job, JobState
from studio.jobs.live import LiveScheduler
from studio.library.history import HistoryError
from studio.plugins.contract import MAX_SEED, AnyGenerator, Artifact, PreviewMode, Request
from studio.plugins.roles import Role, first_with
from studio.ui.choice_files import RecentFiles
from studio.ui.condition_model import ConditionModel, display_name
from studio.ui.job_bridge import JobBridge, JobUpdate
from studio.ui.midi_audio import MidiAudio
from studio.ui.params_form import ParamsForm
from studio.ui.previews import PreviewStack
from studio.ui.qt_util import LiveText, combo_data, compact_combos
from studio.ui.requests import same_work, shaped_params
from studio.ui.trajectory_model import TrajectoryModel

_ASKED = itertools.count()  # the order jobs were asked for, across panels

LIVE, RELEASE, MANUAL = "live", "release", "manual"
MODES = (
    (LIVE, "Live while dragging"),
    (RELEASE, "When I let go"),
    (MANUAL, "Only on Generate"),
)
SAMPLE_TEXT = "I never thought the day would turn out like this."
SEED_MAX = min(MAX_SEED, 2**31 - 1)  # QSpinBox holds a C int
REST_MS = 250  # a pointer still for this long has come to rest
FORM_SHARE = 0.45  # of the panel's width: the options column (the preview takes the rest)
PREVIEW_MIN_WIDTH = 240
CATCH_UP_MS = 60  # coalesces a tab switch, a tick and arc edits into one preview


def arc_name(arc: Trajectory, most: int = 4) -> str:
    """ "joy → sadness → calm": the arc's emotions in order, repeats and holds merged."""
    names: list[str] = []
    for k in arc.keyframes:
        name = display_name(k.condition)
        if not names or names[-1] != name:
            names.append(name)
    shown = names if len(names) <= most else [*names[: most - 1], "…", names[-1]]
    return " → ".join(shown)


def scroll_to_show(scroll: QScrollArea, child: QWidget, margin: int = 8) -> None:
    """Scroll so the whole of ``child`` is in view (``ensureWidgetVisible`` only brings a
    text box's cursor line into view, not the box)."""
    content = scroll.widget()
    if content is None:
        return
    top = child.mapTo(content, child.rect().topLeft()).y() - margin
    bottom = top + child.height() + 2 * margin
    bar = scroll.verticalScrollBar()
    view = scroll.viewport().height()
    if bottom > bar.value() + view:
        bar.setValue(min(top, bottom - view))
    elif top < bar.value():
        bar.setValue(top)


class GeneratorPanel(QWidget):
    """``job_submitted(job, title)`` lets the window list the job; ``result_shown(path)``."""

    job_submitted = Signal(object, str)
    result_shown = Signal(object)
    export_requested = Signal(object)  # this panel: export its latest result

    def __init__(
        self,
        generator: AnyGenerator,
        spec: str,
        condition: ConditionModel,
        trajectory: TrajectoryModel,
        bridge: JobBridge,
        parent: QWidget | None = None,
        recent: RecentFiles | None = None,
    ) -> None:
        """``recent``: the files the window's forms remember (portraits used before …)."""
        super().__init__(parent)
        self.generator = generator
        self.recent = recent
        self.spec = spec
        self.condition = condition
        self.trajectory = trajectory
        self.bridge = bridge
        self.active = False
        self.current_job: Job | None = None
        self.last_entry_id: int | None = None
        self.last_path: Path | None = None
        self.last_artifact: Artifact | None = None
        self.kept_request: Request | None = None  # the last kept result's recipe
        self.shown_request: Request | None = None  # the recipe of what the preview shows
        # The shown entry's id and recipe while it is deleted (Undo delete brings it back).
        self._forgotten: tuple[int | None, Request | None] = (None, None)
        # Live previews (studio.jobs.live): never cancelled once rendering, the newest
        # position waits (latest wins), an overtaken frame is dropped. Fast media keep both
        # workers busy while dragging (a frame every ~0.1 s each); slow ones one at a time.
        fast = generator.preview == PreviewMode.LIVE  # the plugin says it renders in ms
        # When each job of this panel was asked for: a result asked for before the one on
        # screen never replaces it (a catch-up preview ending after a Generate).
        self._asked: weakref.WeakKeyDictionary[Job, int] = weakref.WeakKeyDictionary()
        self._shown_asked = -1
        self.live = LiveScheduler(
            lambda request: self._submit(request, record=False),
            depth=min(2, max(1, bridge.workers)) if fast else 1,
            same_work=same_work,
        )
        self._valid = False  # the last verdict of _validate (see preview)
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(0)  # coalesce the moves of one event-loop turn
        self._debounce.timeout.connect(self.preview)
        self._rest = QTimer(self)  # the pointer rests: refine the draft at full size
        self._rest.setSingleShot(True)
        self._rest.setInterval(REST_MS)
        self._rest.timeout.connect(lambda: self.preview(draft=False))
        # Brings a stale preview up to date: on showing the panel (start, tab switch), on
        # ticking "Follow the emotional arc" and on arc edits while following.
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(CATCH_UP_MS)
        self._on_show_only = False  # the pending catch-up came from showing the panel only
        self._catch_up.timeout.connect(lambda: self.catch_up(keep_kept=self._on_show_only))
        condition.changed.connect(self._on_condition)
        condition.settled.connect(self._on_settled)
        trajectory.changed.connect(self._refresh_trajectory)
        trajectory.changed.connect(self._arc_edited)
        bridge.updated.connect(self._on_update)
        self._validate()

    # -- building -----------------------------------------------------------------------
    # Read-only views of the live scheduler (the benchmark and tests read them).
    @property
    def preview_job(self) -> Job | None:
        return self.live.latest

    @property
    def pending_preview(self) -> Request | None:
        return self.live.pending

    @property
    def rendering(self) -> list[Job]:
        return self.live.rendering

    @property
    def preview_depth(self) -> int:
        return self.live.depth

    @property
    def frames_shown(self) -> int:
        return self.live.frames_shown

    def _build(self) -> None:
        g = self.generator
        title = QLabel(g.display_name)
        title.setObjectName("emotionName")
        subtitle = QLabel(f"{g.media_type} · {', '.join(g.extensions)}")
        subtitle.setObjectName("muted")

        self.backend = QComboBox()
        self.backend.setToolTip("How this generator runs")
        self.backend_note = QLabel()
        self.backend_note.setObjectName("hint")
        self.backend_note.setWordWrap(True)
        for b in g.backends():
            label = b.name if b.available else f"{b.name} (unavailable)"
            self.backend.addItem(label, b.name)
            i = self.backend.count() - 1
            tip = b.description + ("" if b.available else f"\nUnavailable: {b.reason}")
            self.backend.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
            if not b.available:
                item = self.backend.model().item(i)  # type: ignore[attr-defined]
                item.setEnabled(False)
        usable = [b for b in g.backends() if b.available]
        default = next((b for b in usable if b.default), usable[0] if usable else None)
        if default is not None:
            self.backend.setCurrentIndex(self.backend.findData(default.name))
        self.backend.currentIndexChanged.connect(self._validate)

        self.format = QComboBox()
        self.format.setToolTip("File format of the result")
        for ext in g.extensions:
            self.format.addItem(ext.lstrip(".").upper(), ext)

        self.seed = QSpinBox()
        self.seed.setRange(0, SEED_MAX)
        self.seed.setToolTip("Same emotion + same seed + same options ⇒ the same result")
        dice = QToolButton()
        dice.setText("⚄")
        dice.setToolTip("A new random seed")
        dice.setAccessibleName("Random seed")
        dice.clicked.connect(lambda: self.seed.setValue(random.randint(0, SEED_MAX)))
        seed_row = QHBoxLayout()
        seed_row.setSpacing(4)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)

        self.mode = QComboBox()
        for key, text in MODES:
            self.mode.addItem(text, key)
        self.mode.setCurrentIndex(
            self.mode.findData(LIVE if g.preview == PreviewMode.LIVE else MANUAL)
        )
        self.mode.setToolTip(
            "When to refresh the preview as the emotion changes. Live previews are not kept "
            "in the history; Generate keeps the result."
        )
        self.follow = QCheckBox("Follow the emotional arc")
        self.follow.setToolTip("Use the trajectory's keyframes instead of the single emotion")
        self.follow.setVisible(g.supports_trajectory)
        self.follow.toggled.connect(self._refresh_trajectory)
        self.follow.toggled.connect(lambda _on: self._schedule_catch_up(on_show=False))
        # A generator that speaks a script (or proposes its own arc) offers the arc the
        # script suggests, an emotion per sentence, for the artist to correct before Generate.
        self.suggest = QPushButton("Suggest arc from script")
        self.suggest.setToolTip(
            "Propose an emotion per sentence from the script's words (negation, intensifiers, "
            "! and ?) and open it in the arc editor below"
        )
        self.suggest.setVisible(g.supports_trajectory and self._script_field() is not None)
        self.suggest.clicked.connect(self.suggest_arc)
        self.length_note = QLabel()
        self.length_note.setObjectName("hint")
        self.length_note.setWordWrap(True)
        self.length_note.hide()

        top = QFormLayout()
        top.setHorizontalSpacing(12)
        top.setVerticalSpacing(8)
        top.addRow("Backend", self.backend)
        top.addRow(self.backend_note)
        top.addRow("Format", self.format)
        top.addRow("Seed", seed_row)
        top.addRow("Preview", self.mode)
        self.form = ParamsForm(g.params_model, recent=self.recent, check_file=g.check_file)
        said = self._script_field()  # the words a generator speaks (not an image prompt)
        text_editor = self.form.editors.get(said) if said else None
        if text_editor is not None and not text_editor.get():
            # A first Generate should just work: a neutral sentence the artist replaces.
            text_editor.put(SAMPLE_TEXT)
        self.form.changed.connect(self._validate)
        self.problem = QLabel()
        self.problem.setObjectName("error")
        self.problem.setWordWrap(True)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("primary")
        self.generate_button.setToolTip("Generate and keep the result in the history (Ctrl+Enter)")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop this panel's generation and live preview")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)

        options = self.options = QWidget()
        col = QVBoxLayout(options)
        col.setContentsMargins(12, 12, 12, 12)
        col.setSpacing(10)
        col.addWidget(title)
        col.addWidget(subtitle)
        col.addLayout(top)
        col.addWidget(self.follow)
        col.addWidget(self.suggest)
        col.addWidget(self.length_note)
        sep = QLabel("Options")
        sep.setObjectName("muted")
        col.addWidget(sep)
        col.addWidget(self.form)
        col.addStretch(1)
        compact_combos(options)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(options)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # The column is never narrower than its content (see _fit_columns): no sideways
        # scrolling, no combo or button cut off.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.options_scroll = scroll
        scroll.viewport().installEventFilter(self)  # shrinks under a message: see below
        left = self.form_column = QWidget()  # options scroll; message and buttons stay
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 12)
        lcol.addWidget(scroll, 1)
        lcol.addWidget(self.problem)
        lcol.addLayout(buttons)
        self.problem.setContentsMargins(12, 0, 12, 0)
        buttons.setContentsMargins(12, 0, 12, 0)

        self.preview_stack = PreviewStack()
        if g.listen_as is not None:  # Play on a MIDI result renders the request as audio
            audio = MidiAudio(self.bridge, self.spec, self)
            audio.job_started.connect(self.job_submitted)
            self.preview_stack.set_midi_audio(audio)
        # Changes with every preview frame: a steady two-line box (a long arc's name or an
        # error wraps in it, never widens the window or relays out the panel).
        self.caption = LiveText(lines=2, muted=True, wrap=True)
        self.export_button = QPushButton("Export clip…")
        self.export_button.setToolTip("Save this result with its emotion embedded (Ctrl+E)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        foot = QHBoxLayout()
        foot.addWidget(self.caption, 1)
        foot.addWidget(self.export_button)
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(8, 8, 8, 8)
        rcol.addWidget(self.preview_stack, 1)
        rcol.addLayout(foot)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.splitterMoved.connect(self._columns_moved)
        self.split = split
        self.form_share = FORM_SHARE
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self._fit_columns()
        self._refresh_trajectory()

    # -- layout ---------------------------------------------------------------------------
    def form_width_needed(self) -> int:
        """The options column's least width: its content plus a vertical scroll bar."""
        scroll = self.options_scroll
        content = self.options.minimumSizeHint().width()
        return content + scroll.verticalScrollBar().sizeHint().width() + 2

    def _fit_columns(self) -> None:
        """The form takes ``form_share`` of the panel (at least what it needs); the
        preview the rest, so both grow with the window."""
        need = self.form_width_needed()
        self.form_column.setMinimumWidth(need)
        total = sum(self.split.sizes()) or self.split.width()
        if total <= 0:
            return
        form = max(need, min(round(total * self.form_share), total - PREVIEW_MIN_WIDTH))
        self.split.setSizes([form, max(0, total - form)])

    def _columns_moved(self, pos: int, _index: int) -> None:
        total = sum(self.split.sizes())
        if total > 0:  # the artist's split is kept as a share as the window resizes
            self.form_share = max(0.15, min(0.85, self.split.sizes()[0] / total))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_columns()

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What to remember between sessions."""
        return {
            "backend": combo_data(self.backend),
            "format": combo_data(self.format),
            "seed": self.seed.value(),
            "mode": combo_data(self.mode),
            "follow": self.follow.isChecked(),
            "params": self.form.values(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict):
            return  # a damaged settings file: keep the defaults
        for combo, key in ((self.backend, "backend"), (self.format, "format"), (self.mode, "mode")):
            value = state.get(key)
            i = combo.findData(value) if isinstance(value, str) else -1
            if (
                i >= 0
                and combo.model().flags(combo.model().index(i, 0)) & Qt.ItemFlag.ItemIsEnabled
            ):
                combo.setCurrentIndex(i)
        seed = state.get("seed")
        if isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= SEED_MAX:
            self.seed.setValue(seed)
        if isinstance(state.get("params"), dict):
            self.form.set_values(state["params"])
        # Ticked only while there is an arc to follow (the arc is restored first); a tick
        # without one would leave Generate blocked behind a greyed-out box.
        has_arc = self.trajectory.trajectory() is not None
        self.follow.setChecked(bool(state.get("follow")) and has_arc)
        self._refresh_trajectory()

    def load_request(self, data: dict[str, Any]) -> None:
        """Fill the panel from a past generation's stored metadata."""
        ext = Path(str(data.get("output", ""))).suffix.lower()
        self.restore(
            {
                "backend": data.get("backend"),
                "format": ext or combo_data(self.format),
                "seed": data.get("seed"),
                "mode": combo_data(self.mode),
                "follow": "trajectory" in data,
                "params": data.get("params") or {},
            }
        )

    # -- requests -------------------------------------------------------------------------
    def _script_field(self) -> str | None:
        """The field holding the words spoken: marked as the script, or the multi-line text
        of a generator that proposes its own arc."""
        model = self.generator.params_model
        if (name := first_with(model, Role.SCRIPT)) is not None:
            return name
        return first_with(model, Role.MULTILINE) if first_with(model, Role.ARC_MODE) else None

    def suggest_arc(self) -> bool:
        """Fill the arc editor with the arc the script suggests and follow it; a script with
        no sentence to read says so under the form."""
        from studio.emotion import script_arc

        name = self._script_field()
        editor = self.form.editors.get(name) if name else None
        text = editor.get() if editor is not None else None
        if not isinstance(text, str) or not text.strip() or script_arc.has_tags(text):
            why = "tagged already" if isinstance(text, str) and text.strip() else "empty"
            self.problem.setText(f"No arc to suggest: the script is {why}")
            self.problem.show()
            return False
        proposed = script_arc.propose(text)
        if not proposed:
            return False
        self.trajectory.load(script_arc.trajectory(proposed))
        self.follow.setChecked(True)
        return True

    def _role(self, role: Role) -> str | None:
        """The params field carrying ``role`` (the plugin declares it), if the form has it."""
        name = first_with(self.generator.params_model, role)
        return name if name in self.form.editors else None

    def following(self) -> bool:
        return self.follow.isChecked() and self.trajectory.trajectory() is not None

    def build_request(
        self, *, preview: bool = False, output: Path | None = None, draft: bool = False
    ) -> Request:
        """The request for the current emotion and options; ``ValueError`` if invalid.

        Following an arc, a generator with an arc-length field makes exactly the arc's
        Length. ``draft``: a smaller frame for a preview while the pointer moves. A preview
        asks for the generator's draft mode where it has one (the roles its fields carry)."""
        problem = self.form.problem()
        if problem:
            raise ValueError(problem)
        arc = self.trajectory.trajectory() if self.follow.isChecked() else None
        params = shaped_params(
            self.generator.params_model,
            self.form.values(),
            self.form.defaults,
            arc=arc,
            draft=draft,
            preview=preview,
        )
        ext = combo_data(self.format)
        target = output or self.bridge.output_path(self.generator.id, ext, preview=preview)
        request = Request(
            generator=self.generator.id,
            output=target,
            condition=None if arc is not None else self.condition.condition,
            trajectory=arc,
            params=params,
            seed=self.seed.value(),
            backend=combo_data(self.backend) or None,
        )
        return request

    def _validate(self) -> bool:
        problem = self.form.problem()
        b = next((b for b in self.generator.backends() if b.name == combo_data(self.backend)), None)
        if b is None:
            reasons = "; ".join(f"{x.name}: {x.reason}" for x in self.generator.backends())
            problem = problem or f"No backend can run here ({reasons or 'none declared'})"
            self.backend_note.setText("")
        else:
            self.backend_note.setText(b.description)
        if self.follow.isChecked() and self.trajectory.trajectory() is None:
            problem = problem or "The arc has no keyframes yet (or is switched off)"
        if not problem:
            problem = self._contract_problem()
        appeared = bool(problem) and problem != self.problem.text()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.generate_button.setEnabled(not problem)
        self._valid = not problem
        if appeared:
            QTimer.singleShot(0, self._show_problem_field)
        return not problem

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Resize
            and watched is self.options_scroll.viewport()
            and self.problem.isVisible()
        ):
            QTimer.singleShot(0, self._show_problem_field)
        return super().eventFilter(watched, event)

    def _show_problem_field(self) -> None:
        """The message below the options takes height from them: keep the field it is
        about in view (it must never push that field out of sight)."""
        name = self.form.problem_field()
        if name is not None and hasattr(self, "options_scroll"):
            scroll_to_show(self.options_scroll, self.form.editors[name].widget)

    def _contract_problem(self) -> str:
        """The generator's own checks (cross-field rules a form cannot know)."""
        try:
            self.generator.check_request(self.build_request(preview=True))
        except ValueError as exc:
            text = str(exc).removeprefix("params.").removeprefix("params: ")
            return text[:1].upper() + text[1:]
        except Exception as exc:  # foreign validation code must not break the window
            return f"{type(exc).__name__}: {exc}"
        return ""

    def title(self) -> str:
        arc = self.trajectory.trajectory() if self.follow.isChecked() else None
        what = arc_name(arc) if arc is not None else display_name(self.condition.condition)
        return f"{self.generator.display_name} · {what}"

    # -- actions --------------------------------------------------------------------------
    def generate(self) -> Job | None:
        """Submit a kept generation through the job queue."""
        if not self._validate():
            return None
        try:
            request = self.build_request()
        except (ValueError, OSError, HistoryError) as exc:  # e.g. no artifacts folder
            self.problem.setText(str(exc))
            self.problem.show()
            return None
        running = self.current_job
        if (
            running is not None
            and not running.state.is_final
            and same_work(running.request, request)
        ):
            self.caption.setText("Already generating this; it appears here when done")
            return running  # a double click, or eight: one job, one file, one history row
        if self._already_kept(request):
            self.caption.setText(
                "This result is already in the history (same emotion, options and seed); "
                "change the seed for another"
            )
            return None
        job = self._submit(request, record=True)
        self.current_job = job
        self.cancel_button.setEnabled(True)
        self.job_submitted.emit(job, self.title())
        return job

    def _submit(self, request: Request, record: bool) -> Job:
        job = self.bridge.submit(request, self.spec, record=record)
        self._asked[job] = next(_ASKED)
        return job

    def _already_kept(self, request: Request) -> bool:
        return self.kept_twin(request) is not None

    def kept_twin(self, request: Request) -> int | None:
        """The history row of the shown kept result, or of this generator's newest one
        (the last session's, after a restart), if it was made from the same request and
        is still there: Generate would only make a duplicate of it."""
        kept: list[tuple[int, Request]] = []
        if self.kept_request is not None and self.last_entry_id is not None:
            kept.append((self.last_entry_id, self.kept_request))
        newest = self._newest_kept()
        if newest is not None:
            kept.append(newest)
        return next((i for i, r in kept if same_work(r, request) and self._still_kept(i)), None)

    def shows_a_draft(self) -> bool:
        """Whether the preview on screen was made quicker than Generate would make it (the
        generator's draft mode, a smaller size), so exporting it would hand out a draft."""
        shown = self.shown_request
        if shown is None or self.last_entry_id is not None:
            return False
        try:
            final = self.build_request(output=Path(f"probe{shown.output.suffix}"))
        except (ValueError, OSError, HistoryError):
            return True
        return any(shown.params.get(k) != final.params.get(k) for k in ("draft", "size"))

    def _newest_kept(self) -> tuple[int, Request] | None:
        history = self.bridge.history
        if history is None:
            return None
        try:
            rows = history.list(1, generator=self.generator.id)
            if not rows or not rows[0].request:
                return None
            return rows[0].id, Request.from_dict(rows[0].request)
        except (HistoryError, KeyError, TypeError, ValueError):
            return None

    def _still_kept(self, entry_id: int) -> bool:
        """Whether the history still lists this entry and its files are still there (a
        deleted result, or one removed behind the window, must not block Generate)."""
        history = self.bridge.history
        if history is None:
            return False
        try:
            entry = history.get(entry_id)
        except (KeyError, HistoryError):
            return False
        return bool(entry.files) and all(f.is_file() for f in entry.files)

    def forget_entries(self, entry_ids: list[int]) -> None:
        """History rows were deleted: a deleted result no longer counts as kept."""
        if self.last_entry_id is not None and self.last_entry_id in entry_ids:
            self._forgotten = (self.last_entry_id, self.kept_request)
            self.kept_request = None

    def restore_entries(self, new_ids: dict[int, int]) -> None:
        """Deleted rows came back (Undo delete) under new ids: follow the one shown."""
        shown = self.last_entry_id
        if shown is None or shown not in new_ids:
            return
        old, request = self._forgotten
        self.last_entry_id = new_ids[shown]
        if old == shown:
            self.kept_request = request
        self._forgotten = (None, None)

    def preview(self, draft: bool | None = None) -> Job | None:
        """A live preview of the current emotion; never recorded, never cancelled once it
        renders. While one renders, the newest position waits (latest wins) and starts
        when it is shown. ``draft`` (default: while dragging) renders it small."""
        if draft is None:
            draft = self.condition.dragging
        # A drag moves only the emotion, and every edit the checks depend on (form, backend,
        # arc) re-checks at once: the last verdict stands. Checking again took ~12 ms of the
        # window's thread a move (backends probed, the request validated).
        if not (self._valid if draft and self.condition.dragging else self._validate()):
            return None
        try:
            request = self.build_request(preview=True, draft=draft)
        except ValueError:
            return None
        job = self.live.ask(request)  # None: it waits for a worker (latest wins)
        if job is not None:
            self.cancel_button.setEnabled(True)
        return job

    def cancel(self) -> None:
        self.live.forget_pending()
        self._rest.stop()
        for job in (self.current_job, *self.rendering):
            if job is not None and not job.state.is_final:
                self.bridge.cancel(job)

    def _export(self) -> None:
        self.export_requested.emit(self)

    # -- reacting -------------------------------------------------------------------------
    def _on_condition(self, condition: Condition, source: str) -> None:
        if self.active and combo_data(self.mode) == LIVE and not self.following():
            self._debounce.start()
            if self.condition.dragging:
                self._rest.start()  # restarted by every move: fires once the pointer rests

    def _on_settled(self, condition: Condition) -> None:
        mode = combo_data(self.mode)
        if self.active and mode in (LIVE, RELEASE) and not self.following():
            self._debounce.stop()
            self._rest.stop()
            self.preview(draft=False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._schedule_catch_up(on_show=True)  # the window opened, or the tab came up

    def _arc_edited(self) -> None:
        if self.follow.isChecked():
            self._schedule_catch_up(on_show=False)

    def _schedule_catch_up(self, on_show: bool) -> None:
        self._on_show_only = on_show and (self._on_show_only or not self._catch_up.isActive())
        self._catch_up.start()

    def catch_up(self, keep_kept: bool = False) -> None:
        """Preview the current emotion (or arc) if what is shown was made from another one:
        the emotion changed on another tab, the arc was ticked or edited, or nothing has
        been shown since the window opened. Only for a visible panel that previews.
        ``keep_kept``: a kept result on screen (just generated, or opened from the history)
        stays; only a preview is brought up to date."""
        mode = combo_data(self.mode)
        if not (self.active and self.isVisible() and mode in (LIVE, RELEASE)):
            return
        if keep_kept and self.last_entry_id is not None:
            return
        if self.condition.dragging or not self._validate():
            return  # a drag previews by itself; an invalid form has nothing to show
        try:
            probe = Path(f"probe{combo_data(self.format)}")  # names no file; only compared
            wanted = (
                self.build_request(preview=True, output=probe),
                self.build_request(output=probe),
            )
        except (ValueError, OSError, HistoryError):
            return
        shown = self.shown_request
        if shown is not None and any(same_work(shown, w) for w in wanted):
            return
        self.preview(draft=False)

    def _refresh_trajectory(self) -> None:
        has = self.trajectory.trajectory() is not None
        self.follow.setEnabled(has or self.follow.isChecked())
        length = self._role(Role.ARC_LENGTH)
        duration = self.form.editors.get(length) if length else None
        following = has and self.follow.isChecked()
        if duration is not None:
            # The arc sets the length: one number, shown where the artist looks for it.
            duration.widget.setEnabled(not following)
            self.length_note.setText(
                f"Length follows the arc: {self.trajectory.duration:g} s (set it under the "
                "timeline)"
            )
            self.length_note.setVisible(following)
        self._validate()

    def _on_update(self, update: JobUpdate) -> None:
        job, event = update.job, update.event
        mine = job is self.current_job
        preview = self.live.owns(job)
        if not (mine or preview):
            return
        finished = event.kind is EventKind.FINISHED and event.artifact is not None
        show, started = (
            self.live.ended(job, finished) if preview and event.is_final else (True, None)
        )
        if preview and event.kind is EventKind.PROGRESS:
            started = self.live.progressed(job, event.fraction)  # queue the next behind it
        if finished and event.artifact is not None:
            if show and preview and self._asked.get(job, -1) < self._shown_asked:
                show = False  # asked for before what is on screen (a kept result, say)
            if show:
                entry_id = update.entry.id if update.entry else None
                self.show_result(event.artifact.path, job, entry_id)
            else:
                self.bridge.discard_preview(event.artifact.path)  # overtaken by a newer one
        elif event.kind is EventKind.FAILED:
            self.caption.setText(f"Failed: {event.error}")
        elif event.kind is EventKind.CANCELLED and (mine or not self.pending_preview):
            self.caption.setText("Cancelled")  # not the progress line of a job that stopped
        elif event.kind is EventKind.PROGRESS and mine:
            self.caption.setText(f"{event.fraction:.0%} {event.message}")
        if started is not None:  # the newest position, right away
            self.cancel_button.setEnabled(True)
        if event.is_final:
            busy = [j for j in (self.current_job, *self.rendering) if j and not j.done]
            self.cancel_button.setEnabled(bool(busy))

    def _request_of(self, job: Job | None, entry_id: int | None) -> Request | None:
        """The request as submitted (the raw options: a params model's defaults would, for
        instance, fix an arc's length), from the job or the history row."""
        if job is not None:
            return job.request
        if entry_id is None or self.bridge.history is None:
            return None
        try:
            entry = self.bridge.history.get(entry_id)
            return Request.from_dict(entry.request) if entry.request else None
        except (HistoryError, KeyError, TypeError, ValueError):
            return None

    def show_result(
        self,
        path: Path,
        job: Job | None = None,
        entry_id: int | None = None,
        note: str = "",
        name: str = "",
    ) -> None:
        # stops (releases) the file shown before
        self.preview_stack.show_file(path, lambda: self._request_of(job, entry_id))
        if self.last_path is not None and self.last_path != path:
            self.bridge.discard_preview(self.last_path)
        self.last_path = path
        self.last_entry_id = entry_id
        # A job's result counts from when it was asked for; one opened from the history,
        # from now.
        self._shown_asked = self._asked.get(job, -1) if job is not None else next(_ASKED)
        self.shown_request = self._request_of(job, entry_id)
        # The recipe of a result this panel generated and kept (Generate refuses to make it
        # again while its history row and file are there).
        self.kept_request = job.request if job is not None and entry_id is not None else None
        self._forgotten = (None, None)
        self.last_artifact = job.result if job is not None else None
        kept = entry_id is not None
        self.export_button.setEnabled(True)
        request = job.request if job is not None else None
        if name:
            pass
        elif request is not None and request.trajectory is not None:
            name = f"{arc_name(request.trajectory)} ({request.trajectory.end:g} s arc)"
        else:
            name = display_name(request.condition_at(0.0)) if request else path.name
        seconds = ""
        if job is not None and job.state is JobState.FINISHED and job.events:
            seconds = f" · {job.events[-1].timestamp - job.events[0].timestamp:.2f} s"
        where = note or ("kept in history" if kept else "preview")
        self.caption.setText(f"{name}{seconds} · {where}")
        self.result_shown.emit(path)
