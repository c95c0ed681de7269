"""A/B timing of one cell's sequence functions: a git revision's version against the working tree.

    python bench/ab.py lstm                          # HEAD's lib/rnnlab/functional/lstm.py vs now
    python bench/ab.py gru --against main~3 --rounds 80

float32, N=32, T=64, D=H=256, one BLAS thread (threadpoolctl). Each measurement is the CPU time
(``time.process_time``) of one call; the two versions alternate in one process and each reports
the best of ``--rounds``: on a shared machine the best round is the least disturbed one, and
alternating makes a change of load hit both alike. The speed-ups kept in ``functional/`` were
measured this way; a difference under about 3 % is within this machine's noise.

Before timing, both versions run once on the same inputs and the largest difference of their
outputs and gradients is printed (float32 rounding only, or the change computes something else).
The revision's module is loaded beside today's ``rnnlab.functional`` (its relative imports resolve
there), so it must still import against today's ``_common`` and ``activations``.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
N, T, D, H = 32, 64, 256, 256
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def load_revision(cell: str, revision: str):
    """``rnnlab.functional.<cell>`` as it is at ``revision``, as a module of its own."""
    source = subprocess.run(["git", "show", f"{revision}:lib/rnnlab/functional/{cell}.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location(f"rnnlab.functional._ab_{cell}", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runners(module, cell: str, rng: np.random.Generator):
    """``forward()`` and ``backward(cache)`` of ``module`` on fixed random inputs."""
    f32 = np.float32
    k = GATES[cell]
    xs = rng.standard_normal((N, T, D)).astype(f32)
    W_x = (rng.standard_normal((D, k * H)) / 16).astype(f32)
    W_h = (rng.standard_normal((H, k * H)) / 16).astype(f32)
    b = (rng.standard_normal(k * H) / 10).astype(f32)
    dhs = rng.standard_normal((N, T, H)).astype(f32)
    forward = {
        "rnn": lambda: module.rnn_forward(xs, None, W_x, W_h, b),
        "lstm": lambda: module.lstm_forward(xs, None, None, W_x, W_h, b),
        "gru": lambda: module.gru_forward(xs, None, W_x, W_h, b, b[::-1].copy()),
    }[cell]
    backward = getattr(module, f"{cell}_backward")
    return forward, lambda cache: backward(dhs, cache)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cell", choices=sorted(GATES))
    parser.add_argument("--against", default="HEAD", help="git revision to compare with (HEAD)")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    versions = {"old": load_revision(args.cell, args.against),
                "new": importlib.import_module(f"rnnlab.functional.{args.cell}")}
    calls = {name: runners(module, args.cell, np.random.default_rng(0))
             for name, module in versions.items()}
    with threadpool_limits(1):
        results = {}
        for name, (forward, backward) in calls.items():
            out = forward()
            results[name] = [*out[:-1], *backward(out[-1])]
        worst = max(float(np.max(np.abs(a - b))) for a, b in zip(results["old"], results["new"]))
        print(f"{args.cell}: largest |old - new| over outputs and gradients: {worst:.2e}")
        caches = {name: forward()[-1] for name, (forward, _) in calls.items()}
        best = {(name, part): float("inf") for name in calls for part in ("forward", "backward")}
        for r in range(args.rounds):
            for name in (("old", "new") if r % 2 else ("new", "old")):
                forward, backward = calls[name]
                for part, run in (("forward", forward), ("backward", lambda: backward(caches[name]))):
                    start = time.process_time()
                    run()
                    best[name, part] = min(best[name, part], time.process_time() - start)
    for part in ("forward", "backward", "both"):
        old, new = ((best[n, "forward"] + best[n, "backward"]) if part == "both" else best[n, part]
                    for n in ("old", "new"))
        print(f"{part:9s} old {old * 1e3:7.2f} ms   new {new * 1e3:7.2f} ms   new/old {new / old:.3f}")
    print(f"(best of {args.rounds} rounds, CPU time of one call, {args.against} vs working tree)")


if __name__ == "__main__":
    sys.exit(main())
