"""The ``clip`` generator plugin: a script (or a recording) and one emotional arc become one
finished MP4 — voice, face, music bed and backdrop — made by the other generators through
the registry and the session (:mod:`generators.clip.parts`), never their modules.

Order of work: voice (its length sets the clip's) → the arc on the clip's clock → face
(over the padded voice, with an alpha matte; the artist's portrait keeps its own background
and fades into the backdrop at its edges) → music bed (the clip's length, the arc) →
backdrops (one per arc section) → mix (ducking, fades, loudness, true peak) → encode.
"""

from __future__ import annotations

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np

from generators.clip import arc as arcs
from generators.clip import compose, mix
from generators.clip import voice as voices
from generators.clip.params import ClipParams
from generators.clip.parts import Part, Parts
from generators.clip.stems import write_stems
from studio.emotion import Condition, Trajectory
from studio.emotion.script_arc import has_tags, paragraphs, tagged_script
from studio.sdk import (
    Backend,
    CancelToken,
    Generator,
    InputError,
    MediaType,
    Params,
    ProgressCallback,
    Registry,
    Rendered,
    Request,
    check_cancel,
)

LEAD_S: Final = 0.4  # picture and bed before the first word
TAIL_S: Final = 1.6  # after the last word: the face settles, the bed fades out
# A blank line in the script: a beat long enough for the bed to come back up between the
# paragraphs (longer than mix.BRIDGE_S plus the duck's release).
PARAGRAPH_PAUSE_S: Final = 1.8
# A trajectory may end this much before the voice does (its last state holds).
TRAJECTORY_SLACK_S: Final = 0.5
SHARES: Final = {"voice": (0.0, 0.2), "face": (0.2, 0.68)}
ENCODE_FROM: Final = 0.72
PREFERRED_BACKDROP: Final = ("diffusers",)
PROGRESS_EVERY: Final = 10


class ClipGenerator(Generator[ClipParams]):
    id: ClassVar[str] = "clip"
    display_name: ClassVar[str] = "Clip"
    media_type: ClassVar[MediaType] = MediaType.VIDEO
    params_model: ClassVar[type[Params]] = ClipParams
    extensions: ClassVar[tuple[str, ...]] = (".mp4",)
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"
    order: ClassVar[int] = 5  # the finished piece: the first tab

    def __init__(self, registry: Registry | None = None) -> None:
        # The plugins that make the parts; the installed ones unless a caller (a test)
        # hands another registry.
        self._registry = registry

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry()
        return self._registry

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "compose",
                "voice from `speech`, face from `talking-head` (alpha matte), music bed from "
                "`music` (ducked), backdrops from `image`; mixed to a loudness target and "
                "encoded as H.264 + AAC (PyAV)",
                default=True,
            )
        ]

    # -- validation --------------------------------------------------------------------
    def check_params(self, params: ClipParams, request: Request) -> None:
        if params.arc == "auto" and request.trajectory is not None:
            raise ValueError("arc: auto proposes the arc from the script; drop --trajectory")
        if params.arc == "auto" and params.text is not None and has_tags(params.text):
            raise ValueError("arc: the script already has tags; drop --arc auto or the tags")
        parts = Parts(self.registry, Path(tempfile.gettempdir()), request.seed, _quiet, _never)
        if params.text is not None:
            blocks = paragraphs(script(params, request))
            if not blocks:
                raise ValueError("text: there is nothing to speak in the script")
            for paragraph in blocks:
                parts.check("voice", "speech", _speech_params(params, paragraph))
        face = _face_params(params)
        parts.check("face", "talking-head", {**face, "text": "-"})
        if params.portrait is not None:  # a bad portrait fails before any part is made
            parts.check_file("face", "talking-head", "portrait", params.portrait)
        if params.music:
            parts.check("music", "music", {"duration": 30.0})
        if params.backdrop:
            parts.check("backdrop", "image", _image_params(params))
        if params.audio is not None:
            seconds = voices.probe(Path(params.audio))
            voices.check_length(seconds, f"audio {Path(params.audio).name}")
            _check_trajectory(request.trajectory, seconds)

    def check_file(self, field: str, path: str) -> str:
        """A portrait is the face's: the talking-head plugin checks it."""
        if field != "portrait":
            return super().check_file(field, path)
        parts = Parts(self.registry, Path(tempfile.gettempdir()), 0, _quiet, _never)
        return parts.check_file("face", "talking-head", field, path)

    def _speak(
        self, params: ClipParams, request: Request, parts: Parts
    ) -> tuple[np.ndarray, int, dict[str, Any], list[Part]]:
        """The script spoken paragraph by paragraph (a blank line is a pause where the bed
        comes up), joined on the voice's clock (0 = the first word)."""
        blocks = paragraphs(script(params, request))
        if not blocks:
            raise InputError("text: there is nothing to speak in the script")
        lo, hi = SHARES["voice"]
        step = (hi - lo) / len(blocks)
        takes: list[tuple[np.ndarray, dict[str, Any]]] = []
        made: list[Part] = []
        at = 0.0
        rate = mix.RATE
        for k, block in enumerate(blocks):
            state = request.trajectory or request.condition
            assert state is not None
            if isinstance(state, Trajectory):  # the speech plugin's clock starts at 0
                state = arcs.shift(state, -(LEAD_S + at))
            name = "speech.wav" if len(blocks) == 1 else f"speech_{k + 1:02d}.wav"
            spoken = parts.make(
                "voice",
                "speech",
                name,
                state,
                _speech_params(params, block),
                (lo + k * step, lo + (k + 1) * step),
            )
            made.append(spoken)
            samples, rate = voices.read(spoken.path)
            takes.append((mix.resample(samples, rate), dict(spoken.metadata)))
            at += len(takes[-1][0]) / mix.RATE + PARAGRAPH_PAUSE_S
        samples, payload = voices.join(takes, mix.RATE, PARAGRAPH_PAUSE_S)
        return samples, mix.RATE, payload, made

    # -- rendering ---------------------------------------------------------------------
    def render(
        self,
        request: Request,
        params: ClipParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        width, height = params.frame
        fps = int(params.fps)
        with tempfile.TemporaryDirectory(prefix="clip-") as tmp:
            folder = Path(tmp)
            parts = Parts(self.registry, folder, request.seed, progress, cancel)
            made: list[Part] = []
            # -- voice: its length is the clip's ------------------------------------------
            payload: dict[str, Any] | None = None
            if params.text is not None:
                samples, rate, payload, spoken = self._speak(params, request, parts)
                made.extend(spoken)
            else:
                assert params.audio is not None
                samples, rate = voices.read(Path(params.audio))
            speech_s = len(samples) / rate
            voices.check_length(speech_s, "the voice")
            _check_trajectory(request.trajectory, speech_s)
            check_cancel(cancel)
            total = LEAD_S + speech_s + TAIL_S
            n = round(total * mix.RATE)
            voice = mix.fit(
                np.concatenate(
                    [np.zeros(round(LEAD_S * mix.RATE), np.float32), mix.resample(samples, rate)]
                ),
                n,
            )
            padded = folder / "voice.wav"
            if payload is not None:
                payload = voices.shifted_payload(payload, LEAD_S)
            voices.write(padded, voice, mix.RATE, payload)
            # -- the arc on the clip's clock -------------------------------------------
            segments = (payload or {}).get("speech", {}).get("segments") or []
            stretches = arcs.stretches(segments, 0.0)  # already on the clip's clock
            tagged = [s for s in stretches if s.tagged]
            base = request.condition or Condition.neutral()
            if request.trajectory is not None:
                clip_arc = request.trajectory
                sections = arcs.sections(clip_arc, total)
            elif tagged:
                clip_arc = arcs.from_stretches(stretches, total, base)
                sections = arcs.sections(clip_arc, total, stretches)
            else:
                clip_arc = Trajectory.of([(0.0, base), (total, base)])
                sections = [arcs.Section(0.0, total, base)]
            # -- music bed and backdrops (a thread) while the face renders ----------------
            # Each part is its own process-free render; on two cores the face (skia, one
            # thread) and the bed/backdrops overlap. Their progress is the face's.
            stop = _Stop(cancel)  # the face failing stops the scenery too
            scenery_parts = Parts(self.registry, folder, request.seed, _quiet, stop)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-scenery") as pool:
                scenery = pool.submit(_scenery, scenery_parts, params, clip_arc, sections, n, total)
                try:
                    side = compose.face_size(width, height)
                    # The face holds the arc in the lead-in and the tail too (tags alone
                    # would let it fall back to the request's state between them).
                    face_state: Condition | Trajectory | None = (
                        clip_arc if tagged else request.trajectory or request.condition
                    )
                    assert face_state is not None
                    # A portrait keeps its own background (no matte): MP4, soft edges.
                    face = parts.make(
                        "face",
                        "talking-head",
                        "face.mov" if params.portrait is None else "face.mp4",
                        face_state,
                        {**_face_params(params), "audio": str(padded)},
                        SHARES["face"],
                    )
                except BaseException:
                    stop.set()
                    raise
                progress(SHARES["face"][1], "music and backdrops")
                bed, pictures, scenery_made = scenery.result()
            made.append(face)
            made.extend(scenery_made)
            # -- mix -----------------------------------------------------------------------
            check_cancel(cancel)
            progress(0.7, "mix: ducking and loudness")
            mixed = mix.master(voice, bed, float(params.loudness), float(params.duck))
            check_cancel(cancel)
            # -- encode --------------------------------------------------------------------
            frames = max(1, round(total * fps))
            at = compose.framing(width, height, side)

            def on_frame(i: int) -> None:
                if (i + 1) % PROGRESS_EVERY == 0 or i + 1 == frames:
                    share = ENCODE_FROM + (0.99 - ENCODE_FROM) * (i + 1) / frames
                    progress(share, f"encode: frame {i + 1} of {frames}")
                    check_cancel(cancel)

            compose.write(
                request.output,
                (width, height),
                fps,
                frames,
                pictures,
                sections,
                face.path,
                at,
                mixed.audio,
                mix.RATE,
                on_frame,
                opaque=params.portrait is not None,
            )
            stems = (
                write_stems(Path(params.stems), made, mixed, payload, request, params.portrait)
                if params.stems is not None
                else []
            )
        ducked = mix.bed_levels(mixed.bed, mixed.active) if bed is not None else None
        features: dict[str, Any] = {
            "duration_s": round(total, 4),
            "speech_s": round(speech_s, 4),
            "lead_s": LEAD_S,
            "frames": frames,
            "fps": fps,
            "width": width,
            "height": height,
            "sections": len(sections),
            "music": bool(params.music),
            "backdrop": bool(params.backdrop),
            "loudness_lufs": round(mixed.loudness_lufs, 2),
            "true_peak_dbtp": round(mixed.true_peak_dbtp, 2),
            "loudness_target_lufs": float(params.loudness),
        }
        if ducked is not None:
            features["bed_ducking_db"] = round(ducked, 2)
        # "arc" and "parts": what a composite generation was made along and of (inspect
        # prints both); "clip": the rest of the clip's own record.
        extra: dict[str, Any] = {
            "arc": clip_arc.to_dict(),
            "parts": [p.record() for p in made],
            "clip": {
                "sections": [s.to_dict() for s in sections],
                "preset": params.preset,
                "stems": [str(p) for p in stems],
            },
        }
        if params.portrait is not None:  # who speaks: the artist's portrait, as the face saw it
            face_features = face.metadata.get("features", {})
            extra["clip"]["portrait"] = {
                "file": Path(params.portrait).name,
                "faces": face_features.get("portrait_faces"),
            }
        if segments:
            extra["speech"] = {"segments": segments}
        return Rendered(files=[request.output], features=features, extra=extra)


def _scenery(
    parts: Parts,
    params: ClipParams,
    clip_arc: Trajectory,
    sections: list[arcs.Section],
    n: int,
    total: float,
) -> tuple[np.ndarray | None, list[compose.Picture], list[Part]]:
    """The music bed (the clip's length, along the arc; its MIDI too for stems) and a
    backdrop per section, at the frame size."""
    width, height = params.frame
    made: list[Part] = []
    bed = None
    if params.music:
        music_params = {"duration": min(600.0, max(5.0, round(total, 3)))}
        music = parts.make("music", "music", "music.wav", clip_arc, music_params, (0, 0))
        made.append(music)
        data, music_rate = _read_stereo(music.path)
        bed = mix.fit(mix.resample(data, music_rate), n)
        if params.stems is not None:
            made.append(parts.make("music", "music", "music.mid", clip_arc, music_params, (0, 0)))
    pictures: list[compose.Picture] = []
    if params.backdrop:
        # A diffusion model when the image plugin has one configured, else its own.
        painter = parts.backend("backdrop", "image", PREFERRED_BACKDROP)
        for i, section in enumerate(sections):
            picture = parts.make(
                "backdrop",
                "image",
                f"backdrop_{i + 1:02d}.png",
                section.condition,
                _image_params(params),
                (0, 0),
                painter,
            )
            made.append(picture)
            pictures.append(_read_rgb(picture.path, width, height))
    else:
        pictures = [compose.plain_backdrop(width, height)] * len(sections)
    return bed, pictures, made


def script(params: ClipParams, request: Request) -> str:
    """The text the voice speaks: the script, with an arc proposed per sentence (inline
    tags) when asked, or when nothing else gives the script an emotion."""
    assert params.text is not None
    given = request.trajectory is not None or (
        request.condition is not None and request.condition.intensity > 0.0
    )
    auto = params.arc == "auto" or (params.arc is None and not given)
    if auto and not has_tags(params.text):
        return tagged_script(params.text)
    return params.text


def _face_params(params: ClipParams) -> dict[str, Any]:
    """The face part's params (without what it says): the character or the portrait."""
    width, height = params.frame
    out: dict[str, Any] = {
        "size": compose.face_size(width, height),
        "fps": int(params.fps),
        "character": params.character,
    }
    if params.portrait is not None:
        out["portrait"] = params.portrait
    return out


def _speech_params(params: ClipParams, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text, "sample_rate": mix.RATE}
    if params.voice is not None:
        out["voice"] = params.voice
    return out


def _image_params(params: ClipParams) -> dict[str, Any]:
    width, height = params.frame
    out: dict[str, Any] = {"size": f"{width}x{height}"}
    if params.backdrop_prompt:
        out["prompt"] = params.backdrop_prompt
    return out


def _check_trajectory(trajectory: Trajectory | None, speech_s: float) -> None:
    """A trajectory of several keyframes must reach the end of the speech."""
    if trajectory is None or len(trajectory.keyframes) < 2:
        return
    need = LEAD_S + speech_s
    if trajectory.end + TRAJECTORY_SLACK_S < need:
        raise InputError(
            f"trajectory: ends at {trajectory.end:.1f} s but the voice runs to {need:.1f} s "
            "(clip time); extend the arc or shorten the script"
        )


def _read_stereo(path: Path) -> tuple[np.ndarray, int]:
    import soundfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return data[:, :2].astype(np.float32), int(rate)


def _read_rgb(path: Path, width: int, height: int) -> compose.Picture:
    from PIL import Image

    with Image.open(path) as im:
        rgb = im.convert("RGB")
        if rgb.size != (width, height):
            rgb = rgb.resize((width, height), Image.Resampling.LANCZOS)
        return rgb


class _Stop:
    """A cancel token set by the user's token or by :meth:`set`."""

    def __init__(self, outer: CancelToken) -> None:
        self.outer = outer
        self._set = threading.Event()

    def set(self) -> None:
        self._set.set()

    def is_set(self) -> bool:
        return self._set.is_set() or self.outer.is_set()


class _Never:
    def is_set(self) -> bool:
        return False


_never = _Never()


def _quiet(fraction: float, message: str = "", preview: Path | None = None) -> None:
    pass
