"""The composer: a plan of phrases → a multi-track ``pretty_midi.PrettyMIDI``.

A pure function of (controls per phrase, seed): :func:`plan` lays out 4- and 8-bar phrases
(with the mode sampled per phrase from the mode-mixture probability) and :func:`compose`
writes harmony, melody, bass, accompaniment and drums. Changes between phrases happen only
at phrase boundaries: tempo ramps over the last bar before a new tempo (accelerando /
ritardando), and a mode change is prepared by a half cadence on V, the chord the parallel
keys share (pivot).
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


def plan(
    duration: float,
    controls_at: Callable[[float], Controls],
    rng: np.random.Generator,
    *,
    phrase_bars: int = 8,
    tempo_override: float | None = None,
) -> list[Phrase]:
    """Phrases covering about ``duration`` seconds; controls sampled mid-phrase."""
    phrases: list[Phrase] = []
    t, bar = 0.0, 0
    first = controls_at(0.0).tempo
    scale = 1.0 if tempo_override is None else tempo_override / first
    while duration - t > 1e-6:
        bar_s = BEATS_PER_BAR * 60.0 / (controls_at(t).tempo * scale)
        left = (duration - t) / bar_s
        if phrases and left < 1.0:
            break
        final = left < phrase_bars + (4 if phrase_bars == 8 else 2)
        n = max(2, round(left)) if final else phrase_bars
        ctrl = controls_at(min(duration, t + 0.5 * n * bar_s))
        tempo = ctrl.tempo * scale
        mode = "major" if rng.random() < p_major(ctrl) else "minor"
        phrases.append(Phrase(bar, n, float(tempo), mode, ctrl))
        t += n * BEATS_PER_BAR * 60.0 / tempo
        bar += n
        if final:
            break
    for i, ph in enumerate(phrases):
        nxt = phrases[i + 1] if i + 1 < len(phrases) else None
        ph.ends = "final" if nxt is None else ("half" if nxt.mode != ph.mode else "authentic")
    return phrases


def tempo_per_beat(phrases: list[Phrase]) -> list[float]:
    """Tempo of every beat: constant inside a phrase, ramped over the last bar before a
    change of more than 3 %, and a gentle ritardando in the final bar."""
    beats: list[float] = []
    for i, ph in enumerate(phrases):
        n = ph.bars * BEATS_PER_BAR
        row = [ph.tempo] * n
        nxt = phrases[i + 1] if i + 1 < len(phrases) else None
        if nxt is not None and abs(nxt.tempo / ph.tempo - 1.0) > 0.03:
            for k in range(BEATS_PER_BAR):
                row[n - BEATS_PER_BAR + k] = ph.tempo + (nxt.tempo - ph.tempo) * (k + 1) / 5
        if nxt is None and n >= 2 * BEATS_PER_BAR:
            for k in range(BEATS_PER_BAR):
                row[n - BEATS_PER_BAR + k] = ph.tempo * (1.0 - 0.03 * (k + 1))
        beats.extend(row)
    return beats


def harmonise(phrases: list[Phrase], tonic: int, rng: np.random.Generator) -> None:
    """Chord progression per phrase (templates in ``theory``), extensions from tension."""
    for ph in phrases:
        c = ph.controls
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
        tension, hr = c.tension, c.harmonic_rhythm
        ph.chords = []
        for b, deg in enumerate(degrees):
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
    """GM programs by name, or ("auto") from timbre and drum activity."""
    if name and name != "auto":
        return name, ENSEMBLES[name]
    timbre, drums = ctrl.timbre, ctrl.drums
    if drums >= 0.6 and timbre < 0.45:
        return "rock", (29, 48, 34)  # overdriven guitar, strings, picked bass
    if drums >= 0.6:
        return "pop", (0, 27, 33)  # piano, clean guitar, fingered bass
    if timbre < 0.35:
        return "dark strings", (42, 48, 32)  # cello, string ensemble, acoustic bass
    if timbre < 0.55:
        return "flute and piano", (73, 0, 32)
    return "piano and strings", (0, 48, 32)


def compose(
    phrases: list[Phrase],
    seed: int,
    *,
    tonic: int,
    ensemble: str | None = None,
    resolve: bool | None = None,
    on_phrase: Callable[[int, int], None] | None = None,
) -> tuple[pretty_midi.PrettyMIDI, dict[str, Any]]:
    """Write every track; returns the MIDI and a JSON-able summary of the plan."""
    import pretty_midi

    rng = np.random.default_rng([seed, 1])
    harmonise(phrases, tonic, rng)
    tempi = tempo_per_beat(phrases)
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
    for inst in (melody, accomp, bass, drums):
        if inst.notes:
            pm.instruments.append(inst)
    summary = {
        "tonic": theory.NOTE_NAMES[tonic],
        "ensemble": ens_name,
        "resolved_ending": resolve,
        "bars": phrases[-1].start_bar + phrases[-1].bars,
        "seconds": round(sec[-1], 3),
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
