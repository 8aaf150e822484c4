"""Seconds per image and peak memory of full-size SD 1.5 and SDXL, per precision.

The pipelines are built from the shipped configs (``assets/image/sd-configs``) with random
weights: the time and memory of a denoising run do not depend on the weights' values, and
nothing is downloaded. Each (model, precision) runs in its own process through the
backend's own ``diffusion.run``, so peak memory is that run's alone: CUDA's peak allocation,
or the process's peak resident set on CPU. A run whose resident set passes ``--max-rss-gb``
is stopped and reported as such.

    python benchmarks/diffusion_speed.py                      # GPU: 512²/1024², 25 steps
    nice -n 10 python benchmarks/diffusion_speed.py --size 256 --steps 4   # CPU

Defaults per device: CUDA compares float16, bfloat16 and float32; CPU runs float32 only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(family: str, dtype: Any, device: str) -> Any:
    """A full-size pipeline of random weights from the shipped config folder."""
    import diffusers
    import torch

    from generators.image import checkpoints

    folder = checkpoints.shipped_configs() / family
    index = json.loads((folder / "model_index.json").read_text())
    parts: dict[str, Any] = checkpoints.tokenizers(family)
    torch.manual_seed(0)
    # Build each module directly in the precision and on the device it runs in: building
    # SDXL in float32 on the CPU first would need ~14 GB before a half-precision run starts.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            _build_parts(index, folder, parts, dtype, device)
    finally:
        torch.set_default_dtype(previous)
    pipeline = getattr(diffusers, index["_class_name"])
    if family != "sdxl":
        parts |= {"safety_checker": None, "feature_extractor": None}
        parts["requires_safety_checker"] = False
    pipe = pipeline(**parts)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _build_parts(
    index: dict[str, Any], folder: Path, parts: dict[str, Any], dtype: Any, device: str
) -> None:
    import diffusers
    import transformers

    for name, value in index.items():
        if not isinstance(value, list) or name in parts or not isinstance(value[0], str):
            continue
        library, cls_name = value
        cls = getattr(diffusers if library == "diffusers" else transformers, cls_name)
        if name == "scheduler":
            parts[name] = cls.from_config(cls.load_config(folder / name))
        elif library == "transformers":
            config = transformers.CLIPTextConfig.from_pretrained(folder / name)
            parts[name] = cls(config).to(device=device, dtype=dtype)
        else:
            parts[name] = cls.from_config(cls.load_config(folder / name)).to(device, dtype)


def one(family: str, precision: str, size: int, steps: int, repeats: int) -> dict[str, Any]:
    import torch

    from generators.image import diffusion
    from generators.image.attributes import look
    from studio.emotion import Condition
    from studio.plugins.contract import NeverCancel

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = getattr(torch, precision)
    t0 = time.perf_counter()
    pipe = build(family, dtype, device)
    built = time.perf_counter() - t0
    cond = Condition.from_vad(-0.6, 0.7)

    def image() -> None:
        diffusion.run(pipe, "a lighthouse on a cliff", cond, look(cond), width=size,
                      height=size, steps=steps, guidance=7.0, seed=0,
                      progress=lambda f, m: None, cancel=NeverCancel())  # fmt: skip

    image()  # warm-up: kernels, allocator
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        image()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**30
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB → GiB
    return {"family": family, "precision": precision, "device": device, "size": size,
            "steps": steps, "s_per_image": min(times), "peak_gib": peak,
            "build_s": built}  # fmt: skip


def rss_gib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def child(args: argparse.Namespace, family: str, precision: str) -> dict[str, Any]:
    """Run one case in a fresh process, stopping it if its memory passes the limit."""
    cmd = [sys.executable, __file__, "--one", family, precision, "--size",
           str(args.size or (1024 if family == "sdxl" else 512)), "--steps", str(args.steps),
           "--repeats", str(args.repeats)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    most = 0.0
    while proc.poll() is None:
        most = max(most, rss_gib(proc.pid))
        if most > args.max_rss_gb:
            proc.kill()
            proc.wait()
            return {"family": family, "precision": precision,
                    "stopped": f"resident memory passed {args.max_rss_gb:g} GiB"}  # fmt: skip
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        return {"family": family, "precision": precision, "stopped": f"exit {proc.returncode}"}
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--one", nargs=2, metavar=("FAMILY", "PRECISION"), help=argparse.SUPPRESS)
    ap.add_argument("--models", default="sd1,sdxl", help="sd1, sd2, sdxl (comma separated)")
    ap.add_argument("--precisions", help="default: float16,bfloat16,float32 on CUDA; "
                    "float32 on CPU")  # fmt: skip
    ap.add_argument("--size", type=int, help="square side (default 512 SD 1.5, 1024 SDXL)")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--max-rss-gb", type=float, default=12.0)
    args = ap.parse_args()
    if args.one:
        family, precision = args.one
        print(json.dumps(one(family, precision, args.size, args.steps, args.repeats)))
        return
    import torch

    cuda = torch.cuda.is_available()
    precisions = (args.precisions or ("float16,bfloat16,float32" if cuda else "float32")).split(",")
    where = torch.cuda.get_device_name() if cuda else f"CPU ({os.cpu_count()} cores)"
    print(f"device: {where}; steps {args.steps}, guidance 7, best of {args.repeats}")
    print(f"{'model':<6} {'precision':<9} {'size':>6} {'s/image':>8} {'peak GiB':>9}")
    for family in args.models.split(","):
        for precision in precisions:
            r = child(args, family, precision)
            if "stopped" in r:
                print(f"{family:<6} {precision:<9}  stopped: {r['stopped']}")
                continue
            print(f"{family:<6} {precision:<9} {r['size']:>5}² {r['s_per_image']:>8.2f} "
                  f"{r['peak_gib']:>9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
