"""NADE and FVSBN speed: ours vs the usual ways of writing them, in one process.

    python benchmarks/bench_nade.py          # prints a table
    benchmarks runner: cases() -> list of dicts (see benchmarks/run.py)

Cases (binarized-MNIST-like data: B = 100 images, D = 784 pixels, NADE with H = 500):
1. NADE training step (forward + backward of the mean NLL), ours (blocked running sum with a
   recomputing backward, course_utils.models.autoregressive._NADELogits) vs
   (a) the straightforward vectorised form: build the B x D x H pre-activations with a
       cumulative sum, sigmoid, multiply by V and sum (autograd stores all of it);
   (b) the per-pixel loop of popular PyTorch NADE code: a B x H running pre-activation,
       one pixel per Python step, autograd through the loop.
   Gradients of all three are checked to agree before timing.
2. Sampling 100 digits from NADE (H = 500): ours (incremental running sum) vs recomputing
   every conditional from scratch with the vectorised form at each of the D steps is far
   too slow to time, so the baseline is the per-pixel loop sampler that calls a fresh
   h = sigmoid(c + W[:, <i] x_<i) matrix-vector product per pixel (O(H D^2)).
3. FVSBN training step: one masked matrix product vs D separate nn.Linear layers.

Peak memory of a training step: in a fresh subprocess per variant, after one warm-up step,
the peak resident set size (VmHWM in /proc/self/status) is reset to the current RSS, one
more step runs, and the peak's rise above the RSS before the step is reported. That is the
step's own transient memory, as the OS sees it (not tracemalloc, which does not see torch's
allocations).
"""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course_utils.models.autoregressive import FVSBN, NADE  # noqa: E402 (after the sys.path line above)

B, D, H = 100, 784, 500


# ---------------------------------------------------------------------------
# Baselines, written out the way they usually are
# ---------------------------------------------------------------------------
def nade_logits_vectorised(model: NADE, x: torch.Tensor) -> torch.Tensor:
    """(a) B x D x H pre-activations by an exclusive cumulative sum, then sigmoid, V, sum."""
    contrib = x.unsqueeze(2) * model.W.t().unsqueeze(0)              # B x D x H: x_j W[:, j]
    pre = model.c + torch.cumsum(contrib, 1) - contrib              # sum over j < i
    return (torch.sigmoid(pre) * model.V).sum(2) + model.b


def nade_logits_loop(model: NADE, x: torch.Tensor) -> torch.Tensor:
    """(b) one pixel per Python step with a B x H running pre-activation."""
    a = model.c.expand(x.shape[0], -1)
    outs = []
    for i in range(model.dims):
        h = torch.sigmoid(a)
        outs.append(h @ model.V[i] + model.b[i])
        a = a + x[:, i:i + 1] * model.W[:, i]
    return torch.stack(outs, 1)


def log_prob_from(logits_fn):
    """log p(x) per example from a function computing the logits of x̂_i."""
    def log_prob(model: NADE, x: torch.Tensor) -> torch.Tensor:
        return -F.binary_cross_entropy_with_logits(logits_fn(model, x), x, reduction="none").sum(1)
    return log_prob


def nade_log_prob_ours(model: NADE, x: torch.Tensor) -> torch.Tensor:
    return model.log_prob(x)   # the blocked sweep, gradients computed in the same pass


NADE_VARIANTS = {"ours": nade_log_prob_ours, "vectorised": log_prob_from(nade_logits_vectorised),
                 "loop": log_prob_from(nade_logits_loop)}


def nade_step(model: NADE, x: torch.Tensor, log_prob_fn) -> None:
    """One training step's forward and backward: the mean negative log-likelihood."""
    model.zero_grad(set_to_none=True)
    (-log_prob_fn(model, x).mean()).backward()


@torch.no_grad()
def nade_sample_naive(model: NADE, n: int, generator=None) -> torch.Tensor:
    """Sampling that recomputes each hidden layer from scratch: h_i = sigmoid(c + x_<i W_<i^T)."""
    x = torch.zeros(n, model.dims)
    for i in range(model.dims):
        h = torch.sigmoid(model.c + x[:, :i] @ model.W[:, :i].t())
        p = torch.sigmoid(h @ model.V[i] + model.b[i])
        x[:, i] = torch.bernoulli(p, generator=generator)
    return x


class FVSBNSeparateLayers(nn.Module):
    """D logistic regressions as D nn.Linear layers: layer i reads x_<i (i inputs)."""

    def __init__(self, dims: int):
        super().__init__()
        self.first = nn.Parameter(torch.zeros(1))
        self.layers = nn.ModuleList(nn.Linear(i, 1) for i in range(1, dims))

    def logits(self, x):
        return torch.cat([self.first.expand(x.shape[0], 1)] + [layer(x[:, :i + 1]) for i, layer in enumerate(self.layers)], 1)


def fvsbn_step(model, x) -> None:
    model.zero_grad(set_to_none=True)
    F.binary_cross_entropy_with_logits(model.logits(x), x, reduction="none").sum(1).mean().backward()


# ---------------------------------------------------------------------------
# Measurement helpers
# ---------------------------------------------------------------------------
def interleaved_medians(fns: dict, repeats: int) -> dict:
    """Median seconds per function, timing them round-robin so load changes hit all alike."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def binary_batch(seed: int = 0) -> torch.Tensor:
    """A batch of binarized MNIST digits if the offline subset is importable, else random bits
    with MNIST's pixel density (about 13% ones); the timing does not depend on which."""
    try:
        from course_utils.data import binarize, load_mnist

        x, _ = load_mnist("train", source="subset")
        return binarize(x[:B]).reshape(B, D)
    except Exception:  # noqa: BLE001 - any failure just means synthetic bits
        g = torch.Generator().manual_seed(seed)
        return (torch.rand(B, D, generator=g) < 0.13).float()


def check_gradients_agree(model: NADE, x: torch.Tensor) -> float:
    """Largest absolute difference between our gradients and both baselines' (float64)."""
    m64 = NADE(model.dims, model.hidden, block=model.block).double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    grads = {}
    for name, fn in NADE_VARIANTS.items():
        nade_step(m64, x.double(), fn)
        grads[name] = [p.grad.clone() for p in m64.parameters()]
    worst = 0.0
    for other in ("vectorised", "loop"):
        for g_ours, g_ref in zip(grads["ours"], grads[other]):
            worst = max(worst, float((g_ours - g_ref).abs().max()))
    return worst


def _peak_rss_kib() -> int:
    """This process's peak resident set size in KiB. On Linux VmHWM belongs to the process's
    own address space; getrusage's ru_maxrss would instead carry over the parent's peak
    across fork + exec and hide the child's."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_child(variant: str) -> None:
    """Run in a subprocess: print how far one training step (after a warm-up step) raises the
    peak RSS above the RSS before it, in MiB."""
    torch.set_num_threads(1)
    model = NADE(D, H)
    x = (torch.rand(B, D, generator=torch.Generator().manual_seed(0)) < 0.13).float()
    nade_step(model, x, NADE_VARIANTS[variant])     # first step: library warm-up, gradient buffers
    reset = _reset_peak_rss()
    before = _rss_kib() if reset else _peak_rss_kib()
    nade_step(model, x, NADE_VARIANTS[variant])
    after = _peak_rss_kib()
    print(json.dumps({"peak_mib": (after - before) / 1024.0, "reset": reset}))


def peak_memory_mib(variant: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--peak-rss", variant], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mib"]


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------
def cases(repeats: int = 5) -> list[dict]:
    torch.manual_seed(0)
    x = binary_batch()
    model = NADE(D, H)
    grad_err = check_gradients_agree(model, x[:20])     # 20 digits: enough to compare, quick in float64
    if grad_err > 1e-8:
        raise AssertionError(f"NADE gradients disagree with the baselines by {grad_err:g}")
    steps = {name: (lambda fn=fn: nade_step(model, x, fn)) for name, fn in NADE_VARIANTS.items()}
    t = interleaved_medians(steps, repeats)
    mem = {name: peak_memory_mib(name) for name in NADE_VARIANTS}
    mem_note = ", ".join(f"{k} {max(v, 0.0):.0f} MiB" for k, v in mem.items())
    # what ours keeps alive at once: the pre-activations at every block start (D/block x B x H)
    # plus a few block x B x H work tensors; the vectorised form keeps several B x D x H ones
    blk = 8
    ours_mib = (math.ceil(D / blk) * B * H + 4 * blk * B * H) * 4 / 2**20
    mem_note += f" (analytic for ours: {ours_mib:.0f} MiB; one B x D x H float32 tensor is {B * D * H * 4 / 2**20:.0f} MiB)"
    rows = [
        {"case": "NADE train step (B=100, H=500)", "ours_s": t["ours"], "baseline_s": t["vectorised"],
         "baseline": "vectorised B x D x H cumsum", "goal_ratio": 6.0,
         "note": f"grads agree to {grad_err:.1e} (float64); peak RSS growth per step: {mem_note}"},
        {"case": "NADE train step (B=100, H=500)", "ours_s": t["ours"], "baseline_s": t["loop"],
         "baseline": "per-pixel Python loop", "goal_ratio": 2.0,
         "note": "same measurement as the row above, other baseline"},
    ]
    g = torch.Generator().manual_seed(0)
    ts = interleaved_medians({"ours": lambda: model.sample(100, generator=g),
                              "naive": lambda: nade_sample_naive(model, 100, generator=g)}, max(3, repeats // 2))
    rows.append({"case": "NADE sample 100 digits (H=500)", "ours_s": ts["ours"], "baseline_s": ts["naive"],
                 "baseline": "recompute h_i from scratch each pixel", "goal_ratio": 1.0,
                 "note": "goal: ours <= 1 s on 2 CPU cores"})
    fv, sep = FVSBN(D), FVSBNSeparateLayers(D)
    tf = interleaved_medians({"ours": lambda: fvsbn_step(fv, x), "layers": lambda: fvsbn_step(sep, x)}, repeats)
    rows.append({"case": "FVSBN train step (B=100)", "ours_s": tf["ours"], "baseline_s": tf["layers"],
                 "baseline": "784 separate nn.Linear layers", "goal_ratio": 5.0,
                 "note": "one masked matrix product"})
    return rows


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {load:.1f} (timings are only meaningful when it is below the CPU count)")
    rows = cases()
    print(f"{'case':34s} {'ours s':>9s} {'baseline s':>11s} {'ratio':>7s} {'goal':>6s}  baseline / note")
    for r in rows:
        ratio = r["baseline_s"] / r["ours_s"]
        print(f"{r['case']:34s} {r['ours_s']:9.4f} {r['baseline_s']:11.4f} {ratio:6.1f}x {r['goal_ratio']:5.1f}x"
              f"  {r['baseline']}; {r['note']}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peak-rss":
        _peak_rss_child(sys.argv[2])
    else:
        main()
