"""Training-step throughput of rnnlab's language model against torch.nn and a naive loop.

    python bench/run.py            # full run (make bench), a few minutes
    python bench/run.py --quick    # smoke run

One training step = forward + backward of a one-layer language model
(Embedding -> RNN/LSTM/GRU -> Linear -> softmax cross-entropy), float32, N=32 sequences of
T=64 tokens, E=H=256, V=65; no optimizer update. Throughput = N*T tokens / seconds per step,
the best over several rounds (the machine may be shared: the best round is the least disturbed).

Each (cell, threads) pair runs in a fresh subprocess, so that thread pools and allocator state
cannot leak between thread counts or cells. Inside it, the timing rounds of the three
implementations alternate, so that a change of machine load hits all of them alike.
Threads: threadpoolctl limits numpy's BLAS; torch.set_num_threads limits torch. OPENBLAS_*
variables are recorded, never changed.

Peak memory ("peak_mem_mb"): in a fresh process per cell and implementation (one thread),
the peak resident set size while building the model and running one step, minus the
resident size just before (Linux
/proc/self/status: the peak VmHWM is reset through /proc/self/clear_refs first, VmRSS is the
baseline). It counts parameters, activations, gradients and temporaries, measured the same
way for all three implementations (imports excluded). Not ru_maxrss: that cannot be reset
and even survives exec, so it would report an earlier, larger peak.

Results: a table on stdout and bench/results/latest.json (see bench/README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CELLS = ("rnn", "lstm", "gru")
IMPLS = ("rnnlab", "torch", "naive", "gemm", "gemm_loop")
# The physical floor of this design: only its matrix products, at the model's shapes (see
# ``gemm_step``); "gemm_loop" is the part of them made one time step at a time.
FLOORS = ("gemm", "gemm_loop")
TARGET_VS_FLOOR = 1.25  # rnnlab's step time / the GEMM floor's
SIZES = {"N": 32, "T": 64, "E": 256, "H": 256, "V": 65}
TARGET_VS_TORCH = 0.8  # rnnlab / torch at 1 thread, every cell (issue 3)
TARGET_VS_NAIVE = 20.0


def make_batch(N: int, T: int, V: int, seed: int = 0):
    """Random token ids: inputs (N, T) and next-token targets (N, T), int64."""
    ids = np.random.default_rng(seed).integers(0, V, size=(N, T + 1))
    return ids[:, :-1].copy(), ids[:, 1:].copy()


def rnnlab_step(cell: str, dtype=np.float32):
    """A function running one training step of rnnlab's LanguageModel, and its token count."""
    from rnnlab.model import LanguageModel

    s = SIZES
    model = LanguageModel(s["V"], s["E"], s["H"], cell=cell, seed=0, dtype=dtype)
    inputs, targets = make_batch(s["N"], s["T"], s["V"])
    return (lambda: model.loss_and_grads(inputs, targets)), inputs.size


def torch_step(cell: str):
    """The same model in torch.nn (PyTorch's defaults: GRU resets after the product)."""
    import torch

    s = SIZES
    torch.manual_seed(0)
    rec = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    embed = torch.nn.Embedding(s["V"], s["E"])
    layer = rec(s["E"], s["H"], batch_first=True)
    out = torch.nn.Linear(s["H"], s["V"])
    params = [*embed.parameters(), *layer.parameters(), *out.parameters()]
    inputs, targets = (torch.from_numpy(a) for a in make_batch(s["N"], s["T"], s["V"]))

    def step():
        for p in params:
            p.grad = None
        hs, _ = layer(embed(inputs))
        logits = out(hs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, s["V"]), targets.reshape(-1))
        loss.backward()
        return loss.item()

    return step, inputs.numel()


def naive_step(cell: str, rows: int):
    """The tutorial-style loop of bench/naive.py on the first ``rows`` sequences of the batch.

    It handles one sequence at a time, so its tokens/s does not depend on how many rows it
    gets; fewer rows keep the benchmark short.
    """
    import naive  # bench/naive.py, beside this script (its folder is first on sys.path)
    from rnnlab.model import LanguageModel

    s = SIZES
    model = LanguageModel(s["V"], s["E"], s["H"], cell=cell, seed=0, dtype=np.float32)
    inputs, targets = make_batch(s["N"], s["T"], s["V"])
    inputs, targets = inputs[:rows], targets[:rows]
    return (lambda: naive.loss_and_grads(model.params, cell, inputs, targets)), inputs.size


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def gemm_step(cell: str, loop_only: bool = False, dtype=np.float32):
    """The matrix products of one rnnlab training step and nothing else: the floor a step of
    this design cannot beat, whatever the element-wise work costs.

    Before the loop: the input projection (T*N, E) x (E, GH), G = 1, 4, 3 for RNN, LSTM, GRU.
    Per step, forward and backward: (N, H) x (H, GH) and (N, GH) x (GH, H).
    After the loop: the logits (T*N, H) x (H, V) and their two gradient products, then
    dxs, dW_x and dW_h, each a product over all T*N rows.
    With ``loop_only`` only the per-step products run (the share the loop must pay one step
    at a time, where small matrices run below the BLAS peak).
    """
    s = SIZES
    N, T, E, H, V = s["N"], s["T"], s["E"], s["H"], s["V"]
    GH = GATES[cell] * H
    rng = np.random.default_rng(0)
    a = {name: rng.standard_normal(shape).astype(dtype) for name, shape in {
        "xs": (T * N, E), "W_x": (E, GH), "W_h": (H, GH), "W_y": (H, V), "hs": (T * N, H),
        "dlogits": (T * N, V), "das": (T * N, GH), "h": (N, H), "da": (N, GH)}.items()}
    W_h_T = np.ascontiguousarray(a["W_h"].T)
    out_step, out_back = np.empty((N, GH), dtype), np.empty((N, H), dtype)

    def loop():
        for _ in range(T):
            np.matmul(a["h"], a["W_h"], out=out_step)
        for _ in range(T):
            np.matmul(a["da"], W_h_T, out=out_back)

    def step():
        if not loop_only:
            a["xs"] @ a["W_x"]
            a["hs"] @ a["W_y"]
        loop()
        if not loop_only:
            a["hs"].T @ a["dlogits"], a["dlogits"] @ a["W_y"].T
            a["das"] @ a["W_x"].T, a["xs"].T @ a["das"], a["hs"].T @ a["das"]

    return step, N * T


def check_naive_matches_rnnlab() -> float:
    """Largest relative error between naive and rnnlab gradients (float64, tiny sizes).

    The speed comparison is honest only if both compute the same thing.
    """
    import naive  # bench/naive.py, beside this script (its folder is first on sys.path)
    from rnnlab.gradcheck import relative_error
    from rnnlab.model import LanguageModel

    worst = 0.0
    inputs, targets = make_batch(3, 5, 7, seed=1)
    for cell in CELLS:
        model = LanguageModel(7, 4, 6, cell=cell, seed=1, dtype=np.float64)
        loss, grads = model.loss_and_grads(inputs, targets)
        naive_loss, naive_grads = naive.loss_and_grads(model.params, cell, inputs, targets)
        worst = max([worst, abs(loss - naive_loss) / abs(loss)]
                    + [relative_error(grads[k], naive_grads[k]) for k in grads])
    return worst


def interleaved_cpu_ratios(cells, rounds: int) -> dict[str, float]:
    """rnnlab/torch throughput at one thread, from CPU time with the two steps interleaved.

    On a busy machine wall-clock rows measured one after the other are disturbed unequally;
    alternating the two implementations in one process and counting only the CPU time the
    process got (time.process_time) gives a steadier ratio. A cross-check, not the headline.
    """
    import torch
    from threadpoolctl import threadpool_limits

    ratios = {}
    with threadpool_limits(limits=1, user_api="blas"):
        torch.set_num_threads(1)
        for cell in cells:
            steps = {"rnnlab": rnnlab_step(cell)[0], "torch": torch_step(cell)[0]}
            best = {name: float("inf") for name in steps}
            for round_ in range(rounds + 2):  # the first two rounds warm up
                for name, step in steps.items():
                    start = time.process_time()
                    step()
                    if round_ >= 2:
                        best[name] = min(best[name], time.process_time() - start)
            ratios[cell] = best["torch"] / best["rnnlab"]
    return ratios


def _memory_kib(field: str) -> int:
    """A ``VmRSS`` / ``VmHWM`` line of /proc/self/status in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak_memory() -> None:
    """Make VmHWM restart from the current resident size ("5" in clear_refs, Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # then VmHWM still holds the import-time peak; deltas can only be too small


def _make_step(cell: str, impl: str, naive_rows: int):
    if impl == "rnnlab":
        return rnnlab_step(cell)
    if impl == "torch":
        return torch_step(cell)
    if impl in FLOORS:
        return gemm_step(cell, loop_only=impl == "gemm_loop")
    return naive_step(cell, naive_rows)


def memory_worker(cell: str, impl: str, naive_rows: int) -> float:
    """Peak memory in MB of building ``impl``'s model and running one step (fresh process)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        if impl == "torch":
            import torch

            torch.set_num_threads(1)
        _reset_peak_memory()
        rss_before = _memory_kib("VmRSS")
        step, _ = _make_step(cell, impl, naive_rows)
        step()
        return (_memory_kib("VmHWM") - rss_before) / 1024


def worker(cell: str, impls: list[str], threads: int, rounds: int, steps: int, naive_rows: int) -> list[dict]:
    """Time one cell at one thread count for every implementation, in this process.

    The timing rounds alternate between the implementations, so that a change of machine
    load hits all of them alike; each keeps its best round.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        if "torch" in impls:
            import torch

            torch.set_num_threads(threads)
        runs = {impl: _make_step(cell, impl, naive_rows) for impl in impls}
        for impl, (step, _tokens) in runs.items():
            for _ in range(1 if impl == "naive" else 2):  # warm-up
                step()
        best = {impl: (float("inf"), float("inf")) for impl in impls}
        for _ in range(rounds):
            for impl, (step, _tokens) in runs.items():
                n = 1 if impl == "naive" else steps  # the naive loop: seconds per step already
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(n):
                    step()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                best[impl] = min(best[impl], (wall / n, cpu / n))
    return [{
        "cell": cell,
        "impl": impl,
        "threads": threads,
        "dtype": "float32",
        "tokens_per_s": runs[impl][1] / best[impl][0],
        "seconds_per_step": best[impl][0],
        "cpu_share": best[impl][1] / best[impl][0],  # CPU seconds per wall second (threads add up)
    } for impl in impls]


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _subprocess(*worker_args: str, args) -> object:
    """Run this script in a fresh process with the given worker arguments; its JSON answer."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *worker_args,
           "--rounds", str(args.rounds), "--steps", str(args.steps), "--naive-rows", str(args.naive_rows)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {' '.join(worker_args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def environment() -> dict:
    from threadpoolctl import threadpool_info

    env = {"python": platform.python_version(), "numpy": np.__version__,
           "machine": platform.machine(), "cpu_count": os.cpu_count(),
           "processor": _cpu_model(), "sizes": SIZES,
           "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}}
    if torch_available():
        import torch

        env["torch"] = torch.__version__
    return env, threadpool_info()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def floor_line(rnnlab: dict, gemm: dict, gemm_loop: dict | None, mark: bool) -> str:
    """How far a step is from its GEMM floor, and where the rest of the time goes."""
    step, floor = rnnlab["seconds_per_step"], gemm["seconds_per_step"]
    ratio = step / floor
    flag = "" if not mark else (" ok" if ratio <= TARGET_VS_FLOOR else " MISS")
    parts = [f"GEMM floor {floor * 1e3:.1f} ms, rnnlab {step * 1e3:.1f} ms = {ratio:.2f}x the floor{flag}"]
    if gemm_loop:
        loop = gemm_loop["seconds_per_step"]
        parts.append(f"per-step products {loop * 1e3:.1f} ms, products over all steps "
                     f"{(floor - loop) * 1e3:.1f} ms, the rest (element-wise work, embedding, "
                     f"softmax, Python) {(step - floor) * 1e3:.1f} ms")
    return "; ".join(parts)


def table(rows: list[dict]) -> str:
    """Throughput per cell and thread count, with the ratios the targets are stated in."""
    by = {(r["cell"], r["impl"], r["threads"]): r for r in rows}
    head = (f"{'cell':<5} {'thr':>3} {'rnnlab tok/s':>13} {'torch tok/s':>12} {'naive tok/s':>12} "
            f"{'rnnlab/torch':>13} {'rnnlab/naive':>13}  peak MB rnnlab/torch/naive")
    lines = [head, "-" * len(head)]
    for cell in CELLS:
        for threads in sorted({r["threads"] for r in rows}):
            got = {impl: by.get((cell, impl, threads)) for impl in IMPLS}
            if got["rnnlab"] is None:
                continue
            speed = {k: (v["tokens_per_s"] if v else None) for k, v in got.items()}
            mem = "/".join(f"{got[i]['peak_mem_mb']:.0f}" if got[i] else "-"
                           for i in ("rnnlab", "torch", "naive"))

            def ratio(other, target):
                if speed[other] is None:
                    return f"{'-':>13}"
                value = speed["rnnlab"] / speed[other]
                mark = "" if threads != 1 else (" ok" if value >= target else " MISS")
                return f"{value:>8.2f}x{mark:<4}"

            fmt = lambda v: f"{v:>12,.0f}" if v is not None else f"{'-':>12}"  # noqa: E731
            lines.append(f"{cell:<5} {threads:>3} {speed['rnnlab']:>13,.0f} {fmt(speed['torch'])} "
                         f"{fmt(speed['naive'])} {ratio('torch', TARGET_VS_TORCH)} "
                         f"{ratio('naive', TARGET_VS_NAIVE)}  {mem}")
            if got.get("gemm"):
                lines.append("      " + floor_line(got["rnnlab"], got["gemm"], got.get("gemm_loop"),
                                                   mark=threads == 1))
    lines.append(f"targets at 1 thread: rnnlab/torch >= {TARGET_VS_TORCH}x, rnnlab/naive >= {TARGET_VS_NAIVE:.0f}x, "
                 f"rnnlab time <= {TARGET_VS_FLOOR}x the GEMM floor")
    busy = [r for r in rows if r["threads"] == 1 and r["cpu_share"] < 0.9]
    if busy:
        worst = min(busy, key=lambda r: r["cpu_share"])
        lines.append(f"WARNING: the machine was busy: one-thread rows got as little as "
                     f"{worst['cpu_share']:.0%} of a core ({worst['cell']}/{worst['impl']}); "
                     "timings are noisy, re-run on an idle machine")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer rounds, fewer naive rows")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--impls", nargs="+", choices=IMPLS, default=list(IMPLS))
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per row (best is kept)")
    parser.add_argument("--steps", type=int, default=4, help="training steps per round")
    parser.add_argument("--naive-rows", type=int, default=4, help="sequences the naive loop processes")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--worker", nargs="+", metavar="CELL THREADS IMPL", help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=2, metavar=("CELL", "IMPL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory:
        print(json.dumps(memory_worker(*args.memory, args.naive_rows)))
        return
    if args.worker:
        cell, threads, *impls = args.worker
        print(json.dumps(worker(cell, impls, int(threads), args.rounds, args.steps, args.naive_rows)))
        return
    if args.quick:
        args.rounds, args.steps, args.naive_rows = 2, 2, 1

    agreement = check_naive_matches_rnnlab()
    print(f"naive vs rnnlab, float64 loss and gradients: max relative error {agreement:.1e}")
    if agreement > 1e-8:
        raise SystemExit("bench/naive.py does not compute what rnnlab computes; fix it before timing")
    impls = [i for i in args.impls if i != "torch" or torch_available()]
    if "torch" in args.impls and "torch" not in impls:
        print("torch is not installed: torch rows skipped (pip install torch==2.13.0)")
    env, blas = environment()
    print(f"{env['processor']}, {env['cpu_count']} CPUs; OPENBLAS_* = {env['openblas_env'] or 'unset'}")
    rows = []
    memory = {(cell, impl): _subprocess("--memory", cell, impl, args=args)
              for cell in args.cells for impl in impls if impl not in FLOORS}
    for threads in args.threads:
        for cell in args.cells:
            for row in _subprocess("--worker", cell, str(threads), *impls, args=args):
                row["peak_mem_mb"] = memory.get((cell, row["impl"]))
                print(f"  {cell:<5} {row['impl']:<7} {threads} thread(s): {row['tokens_per_s']:>10,.0f} tokens/s",
                      flush=True)
                rows.append(row)
    print()
    print(table(rows))
    cpu_ratios = None
    if "torch" in impls and "rnnlab" in impls and 1 in args.threads:
        cpu_ratios = interleaved_cpu_ratios(args.cells, rounds=max(3, 2 * args.rounds))
        print("cross-check, 1 thread, CPU time with rnnlab and torch steps interleaved: rnnlab/torch "
              + ", ".join(f"{cell} {r:.2f}x" for cell, r in cpu_ratios.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"rows": rows, "blas": blas, "env": env["openblas_env"], "system": env,
              "naive_check_max_rel_error": agreement,
              "cpu_time_ratio_rnnlab_over_torch_1thread": cpu_ratios,
              "settings": {"rounds": args.rounds, "steps": args.steps, "naive_rows": args.naive_rows,
                           "quick": args.quick},
              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
