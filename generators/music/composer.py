"""The composer: a plan of phrases → a multi-track ``pretty_midi.PrettyMIDI``.

A pure function of (attributes over time, seed): :func:`plan` integrates the tempo map
along the arc beat by beat (so the piece is as long as asked and speeds up where arousal
rises), gives every bar the attributes at its middle, and lays out 4- and 8-bar phrases
with the mode sampled per phrase from the mode-mixture probability; :func:`compose` writes
harmony, melody, bass, accompaniment and drums. Tempo moves by at most a few percent a
beat (accelerando / ritardando); a mode change happens only at a phrase boundary, prepared
by a half cadence on V, the chord the parallel keys share (pivot).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from generators.music import parts, theory
from generators.music.attributes import Controls, p_major
from generators.music.phrase import Phrase

if TYPE_CHECKING:
    import pretty_midi

BEATS_PER_BAR = 4
RESOLUTION = 480
ENSEMBLES: dict[str, tuple[int, int, int]] = {
    # (melody, accompaniment, bass) General MIDI programs, 0-based.
    "piano": (0, 0, 0),
    "strings": (40, 48, 42),
    "band": (27, 4, 33),
    "ambient": (11, 89, 32),
}


# Largest change of tempo from one beat to the next (6 %): an arc's steepest turn becomes
# an accelerando or ritardando over a few beats, never a jump.
SLEW = 0.06
# The final bar's gentle ritardando, per beat (3 % .. 12 % slower).
FINAL_RIT = (0.97, 0.94, 0.91, 0.88)


def beat_tempi(duration: float, tempo_at: Callable[[float], float]) -> list[float]:
    """The tempo (bpm) of every beat of the whole bars that fit in ``duration`` seconds.

    The tempo map is integrated along the arc: each beat takes the tempo the arc asks for at
    the middle of that beat, so a rising arousal speeds the music up exactly where it rises
    and the beats add up to the arc's own clock. Bars are added while the piece, ended by
    the final bar's ritardando, still fits; the time left (less than a bar) is the held
    final chord (see :func:`compose`). A single bar too long for ``duration`` (a very slow
    tempo override on a short piece) is played a little faster instead.
    """
    tempi: list[float] = []
    t = 0.0
    while True:
        bar: list[float] = []
        tt = t
        prev = tempi[-1] if tempi else None
        for _ in range(BEATS_PER_BAR):
            guess = tempo_at(tt) if prev is None else prev
            bpm = tempo_at(tt + 30.0 / guess)
            if prev is not None:
                bpm = min(max(bpm, prev * (1.0 - SLEW)), prev * (1.0 + SLEW))
            bar.append(bpm)
            tt += 60.0 / bpm
            prev = bpm
        as_final = sum(60.0 / (b * r) for b, r in zip(bar, FINAL_RIT, strict=True))
        if tempi and t + as_final > duration + 1e-9:
            break
        tempi.extend(bar)
        t = tt
        if t >= duration:
            break
    if len(tempi) > BEATS_PER_BAR:
        for k, r in enumerate(FINAL_RIT):
            tempi[len(tempi) - BEATS_PER_BAR + k] *= r
    total = sum(60.0 / b for b in tempi)
    if total > duration:  # only a lone bar can overflow
        tempi = [b * total / duration for b in tempi]
    return tempi


def _phrase_lengths(bars: int, phrase_bars: int) -> list[int]:
    """Phrases of ``phrase_bars``; a remainder of one bar joins the last phrase."""
    lengths = [phrase_bars] * (bars // phrase_bars)
    rest = bars % phrase_bars
    if rest >= 2 or not lengths:
        lengths.append(rest)
    elif rest:
        lengths[-1] += rest
    return lengths


def plan(
    duration: float,
    controls_at: Callable[[float], Controls],
    rng: np.random.Generator,
    *,
    phrase_bars: int = 8,
    tempo_override: float | None = None,
    follow: bool = False,
) -> list[Phrase]:
    """Phrases covering ``duration`` seconds along ``controls_at`` (seconds → attributes).

    Tempo is planned per beat (:func:`beat_tempi`); every bar carries the attributes of the
    arc at its middle (density, loudness, register, articulation... follow the arc bar by
    bar); each phrase's mode is sampled from the mode-mixture probability at its middle.
    With ``follow`` (an arc), a phrase whose two halves lean to opposite modes is split in
    two, so the mode turns within two bars of where valence crosses over.
    """
    scale = 1.0 if tempo_override is None else tempo_override / controls_at(0.0).tempo
    tempi = beat_tempi(duration, lambda t: controls_at(min(t, duration)).tempo * scale)
    beat_s = [60.0 / b for b in tempi]
    starts = np.concatenate([[0.0], np.cumsum(beat_s)])
    n_bars = len(tempi) // BEATS_PER_BAR

    def time_of(bar: float) -> float:
        return float(np.interp(bar * BEATS_PER_BAR, np.arange(len(starts)), starts))

    bar_ctrl = [controls_at(time_of(b + 0.5)) for b in range(n_bars)]
    lengths: list[int] = []
    for n in _phrase_lengths(n_bars, phrase_bars):
        at = sum(lengths)
        halves = (p_major(bar_ctrl[at + n // 4]), p_major(bar_ctrl[at + (3 * n) // 4]))
        if (
            follow
            and n >= 4
            and (halves[0] - 0.5) * (halves[1] - 0.5) < 0
            and (abs(halves[0] - halves[1]) > 0.5)
        ):
            lengths += [n // 2, n - n // 2]
        else:
            lengths.append(n)
    phrases: list[Phrase] = []
    bar = 0
    for n in lengths:
        ctrl = controls_at(time_of(bar + n / 2))
        mode = "major" if rng.random() < p_major(ctrl) else "minor"
        beats = tempi[bar * BEATS_PER_BAR : (bar + n) * BEATS_PER_BAR]
        mean = len(beats) * 60.0 / sum(60.0 / b for b in beats)
        phrase = Phrase(bar, n, float(mean), mode, ctrl)
        phrase.bar_controls = bar_ctrl[bar : bar + n]
        phrase.tempi = beats
        phrases.append(phrase)
        bar += n
    for i, ph in enumerate(phrases):
        nxt = phrases[i + 1] if i + 1 < len(phrases) else None
        ph.ends = "final" if nxt is None else ("half" if nxt.mode != ph.mode else "authentic")
    return phrases


def harmonise(phrases: list[Phrase], tonic: int, rng: np.random.Generator) -> None:
    """Chord progression per phrase (templates in ``theory``), extensions from tension."""
    for ph in phrases:
        major = ph.mode == "major"
        opens = theory.MAJOR_OPENINGS if major else theory.MINOR_OPENINGS
        closes = theory.MAJOR_CLOSINGS if major else theory.MINOR_CLOSINGS
        degrees: list[int] = []
        for start in range(0, ph.bars, 4):
            last = start + 4 >= ph.bars
            n = min(4, ph.bars - start)
            if last and ph.ends == "half":
                tpl = opens[int(rng.integers(len(opens)))]
                seq = [*tpl[:3], 4][-n:] if n < 4 else [*tpl[:3], 4]
            elif last:
                tpl = closes[int(rng.integers(len(closes)))]
                seq = list(tpl[-n:]) if n < 4 else list(tpl)
                if n < 4:
                    seq[0] = 0 if n > 2 else seq[0]
            else:
                seq = list(opens[int(rng.integers(len(opens)))])
            degrees.extend(seq)
        degrees = degrees[: ph.bars]
        ph.chords = []
        for b, deg in enumerate(degrees):
            tension, hr = ph.at_bar(b).tension, ph.at_bar(b).harmonic_rhythm
            final_bar = b == len(degrees) - 1
            seventh = bool(rng.random() < tension) or (deg == 4 and tension > 0.3)
            ninth = bool(rng.random() < tension - 0.55)
            d = deg
            if not major and deg == 3 and tension > 0.6 and rng.random() < 0.5:
                d, seventh = 6, True  # vii°7 for the subdominant: strong dissonance
            if final_bar and ph.ends != "half":
                bar_chords = [theory.chord(tonic, ph.mode, d, seventh=False)]
            else:
                bar_chords = [theory.chord(tonic, ph.mode, d, seventh=seventh, ninth=ninth)]
            split = not final_bar and rng.random() < hr - 1.0
            if split:
                if degrees[b + 1 if b + 1 < len(degrees) else b] == 0 and deg == 4:
                    second = theory.chord(tonic, ph.mode, 4, seventh=True)
                    bar_chords = [theory.chord(tonic, ph.mode, 4, sus4=True)]
                else:
                    second = theory.chord(tonic, ph.mode, (deg + 5) % 7, seventh=seventh)
                bar_chords.append(second)
            ph.chords.append(bar_chords)


def choose_ensemble(name: str | None, ctrl: Controls) -> tuple[str, tuple[int, int, int]]:
    """GM programs by name, or ("auto") from timbre and drum activity.

    Without drums the ensembles run from dull to bright as timbre rises (bright timbre →
    happiness, dull → sadness, Juslin & Laukka 2004). Their order is measured, not guessed:
    spectral centroid of the rendered pieces at arousal 0 (shipped soundfont), about
    solo piano 0.7 kHz < horn and piano 0.9 < flute and piano 1.1 < bright piano and
    strings 1.2–1.5 kHz (benchmarks/music_valence.py prints it per valence step).
    """
    if name and name != "auto":
        return name, ENSEMBLES[name]
    timbre, drums = ctrl.timbre, ctrl.drums
    if drums >= 0.6 and timbre < 0.45:
        return "rock", (29, 48, 34)  # overdriven guitar, strings, picked bass
    if drums >= 0.6:
        return "pop", (0, 27, 33)  # piano, clean guitar, fingered bass
    if timbre < 0.2:
        return "solo piano", (0, 0, 32)  # piano, piano, acoustic bass
    if timbre < 0.4:
        return "horn and piano", (60, 0, 32)
    if timbre < 0.6:
        return "flute and piano", (73, 0, 32)
    return "bright piano and strings", (1, 48, 32)


def compose(
    phrases: list[Phrase],
    seed: int,
    *,
    tonic: int,
    ensemble: str | None = None,
    resolve: bool | None = None,
    on_phrase: Callable[[int, int], None] | None = None,
    duration: float | None = None,
) -> tuple[pretty_midi.PrettyMIDI, dict[str, Any]]:
    """Write every track; returns the MIDI and a JSON-able summary of the plan.

    With ``duration``, the final chord is held (a fermata) until exactly that time: the
    planned whole bars end at most one bar earlier (:func:`beat_tempi`).
    """
    import pretty_midi

    rng = np.random.default_rng([seed, 1])
    harmonise(phrases, tonic, rng)
    tempi = [bpm for ph in phrases for bpm in ph.tempi]
    sec = [0.0]
    for bpm in tempi:
        sec.append(sec[-1] + 60.0 / bpm)

    def at(beat: float) -> float:
        i = min(int(beat), len(tempi) - 1)
        return sec[i] + (beat - i) * 60.0 / tempi[i]

    mean_ctrl = Controls.mean([p.controls for p in phrases])
    ens_name, (mel_prog, acc_prog, bass_prog) = choose_ensemble(ensemble, mean_ctrl)
    pm = pretty_midi.PrettyMIDI(resolution=RESOLUTION, initial_tempo=tempi[0])
    scales: list[tuple[int, float]] = []
    for i, bpm in enumerate(tempi):
        if not scales or abs(bpm - tempi[i - 1]) > 1e-9:
            scales.append((i * RESOLUTION, 60.0 / (bpm * RESOLUTION)))
    pm._tick_scales = scales
    pm._update_tick_to_time(len(tempi) * RESOLUTION + 1)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    prev_mode = None
    for ph in phrases:
        if ph.mode != prev_mode:
            t0 = at(ph.start_bar * BEATS_PER_BAR)
            pm.key_signature_changes.append(
                pretty_midi.KeySignature(theory.key_number(tonic, ph.mode), t0)
            )
            prev_mode = ph.mode
    melody = pretty_midi.Instrument(mel_prog, name="Melody")
    accomp = pretty_midi.Instrument(acc_prog, name="Accompaniment")
    bass = pretty_midi.Instrument(bass_prog, name="Bass")
    drums = pretty_midi.Instrument(0, is_drum=True, name="Drums")
    if resolve is None:
        resolve = bool(rng.random() < phrases[-1].controls.resolve)
    state = parts.MelodyState(pitch=None)
    voicing: tuple[int, ...] | None = None
    for i, ph in enumerate(phrases):
        final = i == len(phrases) - 1
        if final and not resolve:
            deg = 4 if ph.controls.tension > 0.45 else 5
            ph.chords[-1] = [theory.chord(tonic, ph.mode, deg, seventh=deg == 4)]
        voicing = parts.accompaniment(accomp, ph, at, rng, voicing, final=final)
        parts.bass_line(bass, ph, at, rng, final=final)
        parts.melody(melody, ph, at, rng, state, tonic, final=final, resolve=resolve)
        parts.drum_part(drums, ph, at, rng, final=final)
        if on_phrase is not None:
            on_phrase(i + 1, len(phrases))
    end = sec[-1]
    if duration is not None and duration > end:
        # The held final chord: every pitched note still sounding in the last beat.
        last_beat = sec[-2]
        for inst in (melody, accomp, bass):
            for note in inst.notes:
                if note.end > last_beat - 1e-6:
                    note.end = duration
        end = duration
    for inst in (melody, accomp, bass, drums):
        if inst.notes:
            pm.instruments.append(inst)
    summary = {
        "tonic": theory.NOTE_NAMES[tonic],
        "ensemble": ens_name,
        "resolved_ending": resolve,
        "bars": phrases[-1].start_bar + phrases[-1].bars,
        "seconds": round(end, 3),
        "phrases": [
            {
                "start_bar": p.start_bar,
                "bars": p.bars,
                "start_s": round(at(p.start_bar * BEATS_PER_BAR), 4),
                "tempo": round(p.tempo, 3),
                "mode": p.mode,
                "key": theory.key_name(tonic, p.mode),
                "ends": p.ends,
            }
            for p in phrases
        ],
    }
    return pm, summary
