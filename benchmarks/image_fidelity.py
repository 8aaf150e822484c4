"""Fidelity of the image generator, measured with analysis this project did not write.

Procedural renderer: a 5×5 valence–arousal grid × 3 seeds × 3 prompts (256² images).
Per image: mean CIELAB L* from scikit-image's ``rgb2lab``; colourfulness by the
Hasler & Süsstrunk (2003) formula written out here from the paper (M = σ_rgyb + 0.3·μ_rgyb);
sharpness as 1 − scikit-image's ``blur_effect`` (Crété-Roffet et al. 2007 no-reference blur
metric); the generator's own high-frequency energy and edge angularity are printed too.
Criteria (the issue): Spearman ρ(mean L*, valence) >= 0.8, ρ(colourfulness, arousal) >= 0.7,
ρ(high-frequency energy or edge angularity, arousal) >= 0.7; the generator's
high-frequency energy follows arousal with ρ >= 0.8 overall, within each prompt and within
each style forced (a second sweep, 4 styles × 2 prompts × 2 seeds); scikit-image's Canny
edge density is printed beside it as an outside check; other seeds give visibly
different images (mean absolute pixel difference between seeds of one condition).
Grade mode: three scikit-image sample photos graded over the same grid; the same ρ for
lightness and colourfulness. Prints a table and a JSON summary.

Run: python benchmarks/image_fidelity.py   (needs scikit-image and scipy)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.stats import spearmanr
from skimage import data
from skimage.color import rgb2lab
from skimage.feature import canny
from skimage.measure import blur_effect

from generators.image import ImageGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

GRID = np.linspace(-1.0, 1.0, 5)
SEEDS = (0, 1, 2)
PROMPTS = ("", "a lighthouse by the sea", "a forest in the mountains")
SIZE = 256
STYLES = ("flow", "wash", "shards", "landscape")


def hasler_susstrunk(rgb: np.ndarray) -> float:
    """Colourfulness M (Hasler & Süsstrunk 2003, eq. 3) on 0–255 sRGB values."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(
        np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    )


def analyse(path: Path) -> dict[str, float]:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    lab = rgb2lab(rgb)
    grey = rgb.astype(np.float64).mean(axis=2) / 255.0
    return {
        "lightness": float(lab[..., 0].mean()),
        "colourfulness": hasler_susstrunk(rgb),
        "sharpness": 1.0 - float(blur_effect(grey)),
        "edge_density": float(canny(grey, sigma=1.0).mean()),
    }


def rho(rows: list[dict], key: str, axis: str) -> float:
    return float(spearmanr([r[key] for r in rows], [r[axis] for r in rows])[0])


def grouped_rho(rows: list[dict], key: str, group: str) -> dict[str, float]:
    """ρ(key, arousal) within each value of ``group`` (a prompt or a style)."""
    names = sorted({r[group] for r in rows})
    return {n: rho([r for r in rows if r[group] == n], key, "arousal") for n in names}


def style_sweep(gen: ImageGenerator, folder: Path) -> list[dict]:
    """Each style forced, over the same grid and two seeds, with and without a prompt."""
    rows = []
    for style in STYLES:
        for prompt in ("", "a lighthouse by the sea"):
            for v in GRID:
                for a in GRID:
                    for seed in SEEDS[:2]:
                        out = folder / f"style_{style}_{len(prompt)}_{v:+.1f}_{a:+.1f}_{seed}.png"
                        cond = Condition.from_vad(float(v), float(a))
                        params = {"size": SIZE, "prompt": prompt or None, "style": style}
                        art = gen.generate(
                            Request("image", out, condition=cond, params=params, seed=seed)
                        )
                        rows.append({
                            "style": style, "prompt": prompt or "(none)", "valence": float(v),
                            "arousal": float(a), "seed": seed,
                            "hf_energy": art.features["high_frequency_energy"],
                            **analyse(out),
                        })  # fmt: skip
    return rows


def main() -> int:
    gen = ImageGenerator()
    rows: list[dict] = []
    grades: list[dict] = []
    diffs_seed: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for prompt in PROMPTS:
            for v in GRID:
                for a in GRID:
                    images = []
                    for seed in SEEDS:
                        out = folder / f"p{len(prompt)}_v{v:+.1f}_a{a:+.1f}_s{seed}.png"
                        cond = Condition.from_vad(float(v), float(a))
                        params = {"size": SIZE, "prompt": prompt or None}
                        art = gen.generate(
                            Request("image", out, condition=cond, params=params, seed=seed)
                        )
                        feats = art.features
                        rows.append(
                            {
                                "prompt": prompt or "(none)",
                                "valence": float(v),
                                "arousal": float(a),
                                "seed": seed,
                                "styles": "+".join(art.metadata["image"]["styles"]),
                                "hf_energy": feats["high_frequency_energy"],
                                "angularity": feats["edge_angularity"],
                                **analyse(out),
                            }
                        )
                        images.append(np.asarray(Image.open(out), dtype=np.float64))
                    for i in range(len(images)):
                        for j in range(i + 1, len(images)):
                            diffs_seed.append(float(np.abs(images[i] - images[j]).mean()))
        styled = style_sweep(gen, folder)
        photos = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea()}
        for name, photo in photos.items():
            src = folder / f"{name}.png"
            Image.fromarray(photo).save(src)
            base = analyse(src)
            for v in GRID:
                for a in GRID:
                    out = folder / f"grade_{name}_v{v:+.1f}_a{a:+.1f}.png"
                    cond = Condition.from_vad(float(v), float(a))
                    gen.generate(
                        Request("image", out, condition=cond, params={"input": str(src)}, seed=0)
                    )
                    m = analyse(out)
                    grades.append(
                        {
                            "photo": name,
                            "valence": float(v),
                            "arousal": float(a),
                            **m,
                            "d_lightness": m["lightness"] - base["lightness"],
                            "d_colourfulness": m["colourfulness"] - base["colourfulness"],
                        }
                    )
    print(f"{'prompt':<26} {'val':>5} {'aro':>5} {'seed':>4} {'L*':>6} {'M':>6} "
          f"{'sharp':>6} {'hf':>7} {'ang':>5}  styles")  # fmt: skip
    for r in rows:
        print(
            f"{r['prompt'][:26]:<26} {r['valence']:+5.1f} {r['arousal']:+5.1f} {r['seed']:4d} "
            f"{r['lightness']:6.1f} {r['colourfulness']:6.1f} {r['sharpness']:6.3f} "
            f"{r['hf_energy']:7.4f} {r['angularity']:5.3f}  {r['styles']}"
        )
    print(f"\n{'photo':<10} {'val':>5} {'aro':>5} {'L*':>6} {'dL*':>6} {'M':>6} {'dM':>6}")
    for g in grades:
        print(
            f"{g['photo']:<10} {g['valence']:+5.1f} {g['arousal']:+5.1f} {g['lightness']:6.1f} "
            f"{g['d_lightness']:+6.1f} {g['colourfulness']:6.1f} {g['d_colourfulness']:+6.1f}"
        )
    figures = {
        "procedural": {
            "images": len(rows),
            "rho_lightness_valence": rho(rows, "lightness", "valence"),
            "rho_colourfulness_arousal": rho(rows, "colourfulness", "arousal"),
            "rho_hf_energy_arousal": rho(rows, "hf_energy", "arousal"),
            "rho_sharpness_arousal": rho(rows, "sharpness", "arousal"),
            "rho_angularity_arousal": rho(rows, "angularity", "arousal"),
            "rho_angularity_valence": rho(rows, "angularity", "valence"),
            "rho_lightness_arousal": rho(rows, "lightness", "arousal"),
            "rho_colourfulness_valence": rho(rows, "colourfulness", "valence"),
            "rho_edge_density_arousal": rho(rows, "edge_density", "arousal"),
            "rho_hf_energy_arousal_by_prompt": grouped_rho(rows, "hf_energy", "prompt"),
            "rho_edge_density_arousal_by_prompt": grouped_rho(rows, "edge_density", "prompt"),
            "seed_mean_abs_pixel_diff": float(np.mean(diffs_seed)),
            "seed_min_abs_pixel_diff": float(np.min(diffs_seed)),
        },
        "styles": {
            "images": len(styled),
            "rho_hf_energy_arousal": rho(styled, "hf_energy", "arousal"),
            "rho_edge_density_arousal": rho(styled, "edge_density", "arousal"),
            "rho_hf_energy_arousal_by_style": grouped_rho(styled, "hf_energy", "style"),
            "rho_edge_density_arousal_by_style": grouped_rho(styled, "edge_density", "style"),
            "rho_lightness_valence": rho(styled, "lightness", "valence"),
            "rho_colourfulness_arousal": rho(styled, "colourfulness", "arousal"),
        },
        "grade": {
            "images": len(grades),
            "rho_lightness_valence": rho(grades, "lightness", "valence"),
            "rho_colourfulness_arousal": rho(grades, "colourfulness", "arousal"),
            "rho_d_lightness_valence": rho(grades, "d_lightness", "valence"),
            "rho_d_colourfulness_arousal": rho(grades, "d_colourfulness", "arousal"),
        },
    }
    p = figures["procedural"]
    g = figures["grade"]
    checks = {
        "lightness~valence >= 0.8": p["rho_lightness_valence"] >= 0.8,
        "colourfulness~arousal >= 0.7": p["rho_colourfulness_arousal"] >= 0.7,
        "hf energy or angularity ~arousal >= 0.7": max(
            p["rho_hf_energy_arousal"], p["rho_angularity_arousal"]
        )
        >= 0.7,
        # One high-frequency measure follows arousal in every prompt and every style.
        "hf energy ~arousal >= 0.8 across prompts and styles": min(
            p["rho_hf_energy_arousal"],
            *p["rho_hf_energy_arousal_by_prompt"].values(),
            *figures["styles"]["rho_hf_energy_arousal_by_style"].values(),
        )
        >= 0.8,
        "grade lightness~valence >= 0.8": g["rho_lightness_valence"] >= 0.8,
        "grade colourfulness~arousal >= 0.7": g["rho_colourfulness_arousal"] >= 0.7,
        "seeds differ (min mean abs diff >= 8/255)": p["seed_min_abs_pixel_diff"] >= 8,
    }
    figures["checks"] = checks
    print("\n" + json.dumps(figures, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
