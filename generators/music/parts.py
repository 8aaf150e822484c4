"""The tracks of one phrase: melody, accompaniment, bass and drums.

Each function appends ``pretty_midi.Note`` objects for one phrase. ``at(beat)`` turns a
beat position (from the start of the piece) into seconds through the tempo map, so notes
follow accelerandi and ritardandi exactly. Melody: a one-bar motif that repeats, is
sequenced over the changing chords and varied (new rhythm, inverted intervals), with chord
tones on strong beats, passing and neighbour tones between, a contour from the attributes
and a cadence in the last bar of each four.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from generators.music import theory
from generators.music.phrase import Phrase

Beat = Callable[[float], float]
BPB = 4
# GM drum keys
KICK, STICK, SNARE, HAT, OPEN_HAT, CRASH = 36, 37, 38, 42, 46, 49
TOMS = (50, 48, 47, 45)


def _note(inst: Any, pitch: int, velocity: float, start: float, end: float) -> None:
    import pretty_midi

    vel = int(min(127, max(1, round(velocity))))
    inst.notes.append(
        pretty_midi.Note(vel, int(pitch), float(start), float(max(end, start + 0.02)))
    )


def _slots(ph: Phrase, bar: int) -> list[tuple[float, float, theory.Chord]]:
    """(start beat in bar, length in beats, chord) for each chord of a bar."""
    chords = ph.chords[bar]
    if len(chords) == 1:
        return [(0.0, 4.0, chords[0])]
    return [(0.0, 2.0, chords[0]), (2.0, 2.0, chords[1])]


@cache
def _scale_pitches(tonic: int, mode: str, leading: bool) -> tuple[int, ...]:
    pcs = set(theory.scale_pcs(tonic, mode))
    if leading:
        pcs.discard((tonic + 10) % 12)
        pcs.add((tonic + 11) % 12)
    return tuple(p for p in range(36, 101) if p % 12 in pcs)


def _motif(syncopation: float, rng: np.random.Generator) -> tuple[list[float], float]:
    """A one-bar rhythm motif: the 16th-note positions in order of preference (strong beats
    first, shuffled more with syncopation) and a jitter of its note count. Taking the first
    ``n`` positions gives nested rhythms, so the motif keeps its identity while its density
    follows the arc bar by bar."""
    pos = np.arange(0.0, 4.0, 0.25)
    weight = np.where(
        pos % 2 == 0, 3.0, np.where(pos % 1 == 0, 2.0, np.where(pos % 0.5 == 0, 1.0, 0.0))
    )
    score = weight + rng.random(len(pos)) * (0.6 + 4.0 * syncopation)
    score[0] = 99.0
    return [float(x) for x in pos[np.argsort(-score, kind="stable")]], float(rng.normal(0, 0.5))


def _rhythm(motif: tuple[list[float], float], density: float) -> list[float]:
    """Onsets (beats) of one bar of ``motif`` with about ``4 * density`` notes."""
    order, jitter = motif
    n = int(np.clip(round(4 * density + jitter), 1, 14))
    grid = order if n > 7 else [x for x in order if x % 0.5 == 0]
    return sorted(grid[:n])


def _intervals(n: int, span: float, rng: np.random.Generator) -> list[int]:
    leap = min(0.45, span / 40.0)
    out = []
    for _ in range(n):
        if rng.random() < leap:
            out.append(int(rng.choice((-4, -3, 3, 4))))
        else:
            out.append(int(rng.choice((-2, -1, -1, 1, 1, 2))))
    return out


@dataclass
class MelodyState:
    pitch: int | None


def melody(
    inst: Any,
    ph: Phrase,
    at: Beat,
    rng: np.random.Generator,
    state: MelodyState,
    tonic: int,
    *,
    final: bool,
    resolve: bool,
) -> None:
    first = ph.at_bar(0)
    motif_a = _motif(first.syncopation, rng)
    motif_b = _motif(first.syncopation, rng)
    steps_a = _intervals(14, first.range, rng)
    steps_b = [-s for s in steps_a] if rng.random() < 0.5 else _intervals(14, first.range, rng)
    pitch = state.pitch if state.pitch is not None else round(first.register)
    total = ph.bars * BPB
    for bar in range(ph.bars):
        c = ph.at_bar(bar)  # the arc's attributes in this bar
        centre, span, contour = c.register, c.range, c.contour
        low, high = int(max(48, centre - span / 2 - 2)), int(min(96, centre + span / 2 + 2))
        art, base_vel = c.articulation, c.velocity + 6.0
        in_group = bar % 4
        last_of_group = in_group == 3 or bar == ph.bars - 1
        if last_of_group:
            onsets = [x for x in _rhythm(motif_a, c.density) if x < 2.0] or [0.0]
            steps = steps_a
        elif in_group == 2:
            onsets, steps = _rhythm(motif_b, c.density), steps_b
        else:
            onsets, steps = _rhythm(motif_a, c.density), steps_a
        slots = _slots(ph, bar)
        bar_beat = (ph.start_bar + bar) * BPB
        events: list[tuple[float, float, int]] = []
        for k, onset in enumerate(onsets):
            chord = slots[-1][2] if onset >= 2.0 and len(slots) == 2 else slots[0][2]
            scale = _scale_pitches(tonic, ph.mode, ph.mode == "minor" and chord.degree == 4)
            pos = (bar * BPB + onset) / total
            desired = centre + contour * span / 2 * (2 * pos - 1)
            step = steps[k % len(steps)]
            if (pitch - desired) * step > 0 and abs(pitch - desired) > span / 3:
                step = -step
            i = bisect.bisect_left(scale, pitch) + step
            cand = scale[int(np.clip(i, 0, len(scale) - 1))]
            if onset % 2 == 0:  # strong beat: chord tone, moving the way the motif goes
                # ties (a chord tone as far above as below) go the way the motif moves
                lean = cand + 0.25 * np.sign(step)
                snapped = theory.nearest_pitch(chord.pcs, lean, low, high)
                if snapped == pitch and step:
                    direction = 1 if step > 0 else -1
                    if not low <= pitch + direction * 3 <= high:
                        direction = -direction
                    snapped = theory.nearest_pitch(chord.pcs, pitch + direction * 3, low, high)
                cand = snapped
                if rng.random() < c.tension - 0.5:  # accented dissonance (appoggiatura)
                    j = bisect.bisect_left(scale, cand) + 1
                    cand = scale[min(j, len(scale) - 1)]
            elif onset % 1 == 0 and rng.random() < 1.0 - 2.5 * c.tension:
                # consonance: a low-tension melody keeps to chord tones on the beat too
                cand = theory.nearest_pitch(chord.pcs, cand + 0.25 * np.sign(step), low, high)
            elif c.tension > 0.5 and rng.random() < 0.15 * c.tension:
                cand += 1 if rng.random() < 0.5 else -1  # chromatic neighbour
            pitch = int(np.clip(cand, low, high))
            events.append((onset, 0.0, pitch))
        if last_of_group:
            cad_on = 2.0 if events[-1][0] < 2.0 else 3.0
            chord = slots[-1][2]
            if ph.ends == "half" and bar == ph.bars - 1:
                target = theory.nearest_pitch(chord.pcs, pitch, low, high)
            elif final and bar == ph.bars - 1 and not resolve:
                pcs = tuple(p for p in chord.pcs if p != tonic) or chord.pcs
                target = theory.nearest_pitch(pcs, pitch, low, high)
            else:
                pcs = (tonic,) if chord.degree == 0 else chord.pcs
                target = theory.nearest_pitch(pcs, pitch, low, high)
            events.append((cad_on, 0.0, target))
            pitch = target
        for k, (onset, _, p) in enumerate(events):
            end = events[k + 1][0] if k + 1 < len(events) else 4.0
            hold = (end - onset) * (1.0 if k + 1 == len(events) and last_of_group else art)
            accent = 5.0 if onset == 0 else (2.0 if onset % 1 == 0 else -3.0)
            arch = 6.0 * np.sin(np.pi * (bar * BPB + onset) / total)
            vel = base_vel + accent + arch + rng.normal(0.0, c.velocity_var)
            _note(inst, p, vel, at(bar_beat + onset), at(bar_beat + onset + hold))
    state.pitch = pitch


def accompaniment(
    inst: Any,
    ph: Phrase,
    at: Beat,
    rng: np.random.Generator,
    voicing: tuple[int, ...] | None,
    *,
    final: bool,
) -> tuple[int, ...] | None:
    for bar in range(ph.bars):
        c = ph.at_bar(bar)
        d, art, synco = c.density, c.articulation, c.syncopation
        base_vel = c.velocity - 12.0
        high = int(c.register) - 3  # keep the chords under the melody
        low = high - 22
        bar_beat = (ph.start_bar + bar) * BPB
        last = final and bar == ph.bars - 1
        for start, length, chord in _slots(ph, bar):
            pcs = (
                chord.pcs
                if len(chord.pcs) <= 4
                else (chord.pcs[0], chord.pcs[1], chord.pcs[3], chord.pcs[4])
            )
            voicing = theory.voice(pcs, voicing, low, high)
            s0 = bar_beat + start
            if last or d < 0.9:
                for p in voicing:
                    _note(inst, p, base_vel + rng.normal(0, 2), at(s0), at(s0 + length * 0.98))
            elif d < 1.6:
                order = (0, 1, 2, 1) if len(voicing) == 3 else (0, 1, 2, 3)
                for k in range(int(length)):
                    p = voicing[order[k % len(order)]]
                    _note(inst, p, base_vel + (3 if k == 0 else 0), at(s0 + k), at(s0 + k + 1.0))
            elif d < 2.3:
                hits = [0.0, 1.5, 2.0, 3.0] if synco > 0.22 else [0.0, 1.0, 2.0, 3.0]
                for h in hits:
                    if h >= length:
                        continue
                    dur = 0.9 * art
                    for p in voicing:
                        _note(
                            inst, p, base_vel + (4 if h == 0 else 0), at(s0 + h), at(s0 + h + dur)
                        )
            else:
                for k in range(int(length * 2)):
                    h = k / 2
                    for p in voicing:
                        _note(
                            inst,
                            p,
                            base_vel + (5 if k % 2 == 0 else -2),
                            at(s0 + h),
                            at(s0 + h + 0.45 * art),
                        )
    return voicing


def bass_line(inst: Any, ph: Phrase, at: Beat, rng: np.random.Generator, *, final: bool) -> None:
    for bar in range(ph.bars):
        c = ph.at_bar(bar)
        d, weight = c.density, c.bass_weight
        vel = c.velocity - 4.0 + 20.0 * (weight - 0.5)
        double = weight > 0.7
        bar_beat = (ph.start_bar + bar) * BPB
        last = final and bar == ph.bars - 1
        for start, length, chord in _slots(ph, bar):
            root = theory.nearest_pitch((chord.root,), 43, 33, 52)
            fifth = root + 7 if root + 7 <= 55 else root - 5
            s0 = bar_beat + start
            if last or d < 0.9:
                notes = [(0.0, length, root)]
            elif d < 1.6:
                half = length / 2
                notes = [(0.0, half, root), (half, half, fifth if length > 2 else root)]
            elif d < 2.3:
                pattern = (root, fifth, root + 12 if root + 12 <= 60 else root, fifth)
                notes = [(float(k), 1.0, pattern[k]) for k in range(int(length))]
            else:
                notes = [
                    (k / 2, 0.5, root + (12 if k % 4 == 3 and rng.random() < 0.5 else 0))
                    for k in range(int(length * 2))
                ]
            for h, dur, p in notes:
                hold = dur * (0.95 if last else max(0.5, c.articulation))
                _note(inst, p, vel + (4 if h == 0 else 0), at(s0 + h), at(s0 + h + hold))
                if double and p - 12 >= 28:
                    _note(inst, p - 12, vel - 8, at(s0 + h), at(s0 + h + hold))


def drum_part(inst: Any, ph: Phrase, at: Beat, rng: np.random.Generator, *, final: bool) -> None:
    for bar in range(ph.bars):
        c = ph.at_bar(bar)
        level = (c.drums - 0.45) / 0.55
        if level <= 0:
            continue
        vel = c.velocity * (0.7 + 0.3 * level)
        sixteenths = level > 0.75 and c.density > 2.3
        b0 = (ph.start_bar + bar) * BPB
        hits: list[tuple[float, int, float]] = []
        if final and bar == ph.bars - 1:
            hits = [(0.0, KICK, vel + 8), (0.0, CRASH, vel)]
        else:
            fill = bar == ph.bars - 1 and level > 0.3
            hits.append((0.0, KICK, vel + 6))
            hits.append((2.0, KICK, vel + 2))
            if level > 0.5 and rng.random() < 0.5:
                hits.append((2.5, KICK, vel - 6))
            if c.syncopation > 0.25 and rng.random() < 0.5:
                hits.append((1.5, KICK, vel - 8))
            back = STICK if level < 0.25 else SNARE
            hits += [(1.0, back, vel + 2), (3.0, back, vel + 4)]
            step = 0.25 if sixteenths else 0.5
            for k in range(int((3.0 if fill else 4.0) / step)):
                h = k * step
                hits.append((h, HAT, vel - 14 + (6 if h % 1 == 0 else 0)))
            if bar == 0:
                hits.append((0.0, CRASH, vel))
            if fill:
                for k, tom in enumerate(TOMS):
                    hits.append((3.0 + 0.25 * k, tom, vel - 4 + 2 * k))
        for h, key, v in hits:
            t = at(b0 + h)
            _note(inst, key, v + rng.normal(0, c.velocity_var / 2), t, t + 0.1)
