"""Autoregressive density models of binary images: the chain rule made learnable.

    log p(x) = sum_i log p(x_i | x_<i),   p(x_i = 1 | x_<i) = x̂_i  (Bernoulli conditionals)

- ``IndependentBernoulli``: x̂_i = sigmoid(a_i), ignoring x_<i (the baseline; D parameters).
- ``FVSBN``: fully visible sigmoid belief network (Neal 1992; Frey 1998),
  x̂_i = sigmoid(a_i + sum_{j<i} W_ij x_j): one logistic regression per pixel, all of them
  computed as ONE matrix product with a strictly lower-triangular mask (D(D+1)/2 parameters).
- ``NADE``: neural autoregressive distribution estimator (Larochelle & Murray 2011, eqs. 4-5),
  h_i = sigmoid(c + W[:, <i] x_<i),  x̂_i = sigmoid(b_i + V_i . h_i). W is shared by all
  conditionals, so a_i = c + W[:, <i] x_<i obeys the running sum a_{i+1} = a_i + W[:, i] x_i
  and the whole likelihood costs O(HD) per example instead of O(HD^2).

Extensions (small, for notebook 03): ``CategoricalNADE`` (softmax over K pixel levels) and
``RNADE`` (Uria, Murray & Larochelle 2013: a mixture of Gaussians for real-valued x_i).

Every model takes x as B x D or B x 1 x 28 x 28 (flattened), returns ``log_prob(x)`` in nats
per example, ``conditionals(x)`` (the x̂_i, B x D probabilities) and ``sample(n)``, and runs
on the device of its parameters.
"""
from __future__ import annotations

import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------
def flatten_binary(x: torch.Tensor, dims: int) -> torch.Tensor:
    """x as B x D, after checking that it is binary with D = ``dims`` values per example."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor of binary pixels, got {type(x).__name__}.")
    if x.dim() < 2:
        raise ValueError(f"expected a batch B x {dims} (or B x 1 x H x W), got shape {tuple(x.shape)}: "
                         "add a batch dimension with x[None].")
    x = x.reshape(x.shape[0], -1)
    if x.shape[1] != dims:
        raise ValueError(f"the model has D = {dims} pixels per example, got {x.shape[1]} "
                         f"(input shape {tuple(x.shape)}).")
    if x.numel() and bool(((x != 0) & (x != 1)).any()):
        lo, hi = float(x.min()), float(x.max())
        raise ValueError(
            f"expected binary pixels in {{0, 1}}, got values in [{lo:g}, {hi:g}]: these models are "
            "Bernoulli, so call course_utils.binarize(x) first (fixed threshold or dynamic)."
        )
    return x


class _one_cpu_thread:
    """Run a loop of tiny CPU ops on one thread: sequential samplers do D steps of a few
    thousand flops each, where handing work to a second thread costs more than it saves
    (and much more when the machine is busy). A no-op on GPUs."""

    def __init__(self, device: torch.device):
        self.active = device.type == "cpu"

    def __enter__(self):
        if self.active:
            self.saved = torch.get_num_threads()
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        if self.active:
            torch.set_num_threads(self.saved)


def _start_from_prefix(model, n: int, prefix: torch.Tensor | None):
    """An n x D canvas for sequential sampling, with the given first pixels filled in."""
    ref = next(model.parameters())
    x = torch.zeros(n, model.dims, device=ref.device, dtype=ref.dtype)
    if prefix is None:
        return x, 0
    prefix = prefix.reshape(prefix.shape[0], -1)
    if prefix.shape[0] != n or prefix.shape[1] > model.dims:
        raise ValueError(f"prefix must be n x k with n = {n} and k <= {model.dims}, got {tuple(prefix.shape)}.")
    k = prefix.shape[1]
    x[:, :k] = flatten_binary(prefix, k).to(x)
    return x, k


class _BinaryAutoregressive(nn.Module):
    """Shared protocol: subclasses implement ``logits(x)`` (B x D, logit of x̂_i) and ``sample``."""

    dims: int

    def _x(self, x: torch.Tensor) -> torch.Tensor:
        ref = next(self.parameters())
        return flatten_binary(x, self.dims).to(device=ref.device, dtype=ref.dtype)

    def conditionals(self, x: torch.Tensor) -> torch.Tensor:
        """x̂_i = p(x_i = 1 | x_<i) for every pixel of every example: B x D probabilities."""
        return torch.sigmoid(self.logits(x))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = sum_i [x_i log x̂_i + (1 - x_i) log(1 - x̂_i)], in nats, one value per example."""
        x = self._x(x)
        return -F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(1)

    def effective_parameters(self) -> int:
        """Number of free parameters (masked-out weights do not count)."""
        return sum(p.numel() for p in self.parameters())


# ---------------------------------------------------------------------------
# Baseline: independent pixels
# ---------------------------------------------------------------------------
class IndependentBernoulli(_BinaryAutoregressive):
    """p(x) = prod_i Bernoulli(x_i; sigmoid(a_i)): no dependence between pixels (D parameters).

    Its maximum-likelihood fit is closed form (``fit_counts``): x̂_i = mean of pixel i.
    """

    def __init__(self, dims: int):
        super().__init__()
        self.dims = dims
        self.a = nn.Parameter(torch.zeros(dims))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self._x(x)
        return self.a.expand(x.shape[0], -1)

    @torch.no_grad()
    def fit_counts(self, x: torch.Tensor, pseudo_count: float = 1.0) -> IndependentBernoulli:
        """Maximum likelihood by counting, smoothed (Laplace): x̂_i = (n_i + α) / (N + 2α)."""
        x = self._x(x)
        p = (x.sum(0) + pseudo_count) / (x.shape[0] + 2 * pseudo_count)
        self.a.copy_(torch.logit(p))
        return self

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        p = torch.sigmoid(self.a).expand(n, -1)
        return torch.bernoulli(p, generator=generator)


# ---------------------------------------------------------------------------
# FVSBN: masked logistic regression
# ---------------------------------------------------------------------------
class FVSBN(_BinaryAutoregressive):
    """Fully visible sigmoid belief network: x̂_i = sigmoid(a_i + sum_{j<i} W_ij x_j).

    All D logistic regressions are one product x @ (W * M)^T with M_ij = [j < i] (strictly
    lower triangular), so pixel i only sees pixels before it. Free parameters: D biases plus
    D(D-1)/2 weights = D(D+1)/2.
    """

    def __init__(self, dims: int):
        super().__init__()
        self.dims = dims
        self.a = nn.Parameter(torch.zeros(dims))
        self.W = nn.Parameter(torch.zeros(dims, dims))
        self.register_buffer("mask", torch.ones(dims, dims).tril(-1), persistent=False)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self._x(x)
        return torch.addmm(self.a, x, (self.W * self.mask).t())

    def effective_parameters(self) -> int:
        return self.dims + int(self.mask.sum())

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, prefix: torch.Tensor | None = None
               ) -> torch.Tensor:
        """Sequential: pixel i is drawn once pixels < i are known (D steps). ``prefix`` (n x k,
        binary) fixes the first k pixels, so the rest is drawn from p(x_>k | x_<=k)."""
        W = self.W * self.mask
        x, start = _start_from_prefix(self, n, prefix)
        with _one_cpu_thread(x.device):
            for i in range(start, self.dims):
                p = torch.sigmoid(self.a[i] + x @ W[i])
                x[:, i] = torch.bernoulli(p, generator=generator)
        return x


# ---------------------------------------------------------------------------
# NADE: shared weights and the running sum
# ---------------------------------------------------------------------------
def _block_masks(k: int, device, dtype):
    """The k x k mask [j < i] that lets pixel i of a block see only the block's earlier pixels."""
    ones = torch.ones(k, k, device=device, dtype=dtype)
    return ones.tril(-1)


def _block_hidden(x, Wt, A, tril, s, e):
    """Hidden units of pixels s..e-1 for every example: h_i = sigmoid(A + sum_{s<=j<i} x_j W[:, j]),
    with A = c + W[:, <s] x_<s the running sum at the block's start. The in-block partial sums
    are one product with the masked pixels Mx[(i, b), j] = x_{b, s+j} [j < i], returned too
    because the backward needs its transpose. Returns (Mx: (k B) x k, h: k x B x H)."""
    B, k, H = x.shape[0], e - s, Wt.shape[1]
    Mx = (tril[:k, None, :k] * x[None, :, s:e]).reshape(k * B, k)
    return Mx, torch.matmul(Mx, Wt[s:e]).view(k, B, H).add_(A).sigmoid_()


def _nade_forward_chunk(x, Wt, V, c, block):
    """Logits without the output bias, D x B, for one chunk of the batch (see _NADELogits)."""
    B, D = x.shape
    H = Wt.shape[1]
    xt = x.t().contiguous()                           # D x B
    logits = torch.empty(D, B, device=x.device, dtype=x.dtype)
    A = c.expand(B, H).clone()                        # a copy: the running sum is updated in place
    tril = _block_masks(block, x.device, x.dtype)
    for s in range(0, D, block):
        e = min(s + block, D)
        _, h = _block_hidden(x, Wt, A, tril, s, e)
        # logit_i = V_i . h_i for the k pixels of the block: a batched mat-vec
        torch.bmm(h, V[s:e].unsqueeze(2), out=logits[s:e].unsqueeze(2))
        A.addmm_(xt[s:e].t(), Wt[s:e])                # running sum: add the whole block
    return logits


def _nade_backward_chunk(x, g, Wt, V, c, block, want_dx):
    """(dW^T, dV, dc, dx^T or None) of one chunk of the batch; g = dL/dlogits, D x B."""
    B, D = x.shape
    H = Wt.shape[1]
    xt = x.t().contiguous()
    tril = _block_masks(block, x.device, x.dtype)
    starts = list(range(0, D, block))
    # pre-activation at each block start, replayed forward (cheap: B x H per block)
    A_starts = []
    A = c.expand(B, H).clone()
    for s in starts:
        A_starts.append(A.clone())
        A.addmm_(xt[s:s + block].t(), Wt[s:s + block])
    dWt = torch.empty_like(Wt)
    dV = torch.empty_like(V)
    dxt = torch.empty_like(xt) if want_dx else None
    R = torch.zeros(B, H, device=x.device, dtype=x.dtype)
    for s, A in zip(reversed(starts), reversed(A_starts)):
        e = min(s + block, D)
        k = e - s
        Mx, h = _block_hidden(x, Wt, A, tril, s, e)
        torch.bmm(g[s:e].unsqueeze(1), h, out=dV[s:e].unsqueeze(1))   # dV_i = g_i^T h_i
        dA = torch.ops.aten.sigmoid_backward(g[s:e].unsqueeze(2) * V[s:e].unsqueeze(1), h)
        # dW for the block's pixels: through later blocks (R) and later pixels in the block
        torch.addmm(torch.mm(xt[s:e], R), Mx.t(), dA.view(k * B, H), out=dWt[s:e])
        if want_dx:  # dx_bj = W[:, j] . (R_b + sum_{i in block, i > j} dL/dA_bi)
            inner = torch.mm(dA.view(k * B, H), Wt[s:e].t()).view(k, B, k) * tril[:k, None, :k]
            dxt[s:e] = torch.mm(Wt[s:e], R.t()) + inner.sum(0).t()
        R.add_(dA.sum(0))
    return dWt, dV, R.sum(0), dxt


_POOL = None


def _map_over_batch_chunks(fn, n_rows: int, device) -> list:
    """Run fn(lo, hi) on chunks of the batch, one per CPU thread, each chunk single-threaded.

    Why: the blocked loop issues ~1,000 medium-sized operations per step. Splitting each one
    over threads puts a synchronisation point in every operation, and when the cores are
    shared with other programs a waiting thread can stall each of them for a whole time
    slice. Splitting the *batch* instead gives every thread an independent loop and one
    join per call. On a GPU (or with one thread) this is a single call.
    """
    global _POOL
    n = torch.get_num_threads() if device.type == "cpu" else 1
    n = max(1, min(n, n_rows // 16))                 # chunks of at least 16 examples
    if n == 1:
        return [fn(0, n_rows)]
    from concurrent.futures import ThreadPoolExecutor

    if _POOL is None or _POOL._max_workers < n:
        _POOL = ThreadPoolExecutor(max_workers=n, thread_name_prefix="nade")
    bounds = [round(i * n_rows / n) for i in range(n + 1)]

    def run(lo, hi):
        if torch.get_num_threads() != 1:   # this worker's own operations stay on one thread
            torch.set_num_threads(1)
        with torch.no_grad():          # grad mode is per thread; these are hand-written gradients
            return fn(lo, hi)

    with _one_cpu_thread(device):
        futures = [_POOL.submit(run, lo, hi) for lo, hi in itertools.pairwise(bounds)]
        return [f.result() for f in futures]


class _NADELogits(torch.autograd.Function):
    """NADE logits b_i + V_i . sigmoid(c + W[:, <i] x_<i) for all i, computed in blocks.

    Pixels are processed ``block`` at a time. At the start of a block the running
    pre-activation A (B x H) holds c + W[:, <s] x_<s. Inside the block, pixel s+k needs
    A + sum_{j<k} x_{s+j} W[:, s+j]: for all k at once this is one matrix product
    Mx @ W_blk^T with Mx[(k, b), j] = x_{b, s+j} [j < k] (a masked copy of the block's
    pixels). Only block x B x H values exist at a time (they stay in cache), instead of
    the B x D x H tensor of the straightforward form.

    Backward recomputes each block instead of storing it, walking the blocks in reverse
    with R = sum over later pixels of dL/dA_i (B x H):
        dL/dA_i = g_i V_i * h_i (1 - h_i),       g_i = dL/dlogit_i
        dW[:, j] = sum_b x_bj (R_b + sum_{i in block, i > j} dL/dA_bi)  =  x_blk^T R + Mx^T dA
        dc = sum of all dL/dA_i,  dV_i = g_i^T h_i,  db = sum_b g
    so the backward of the in-block product is its transpose, with the same mask.
    Every term is a sum over examples, so chunks of the batch are processed independently
    (in parallel on a CPU) and their parameter gradients added.
    """

    @staticmethod
    def forward(ctx, x, W, V, b, c, block):
        Wt = W.t().contiguous()                       # D x H: rows are pixels' weight vectors
        parts = _map_over_batch_chunks(lambda lo, hi: _nade_forward_chunk(x[lo:hi], Wt, V, c, block),
                                       x.shape[0], x.device)
        logits = torch.cat(parts, 1).t().add_(b)
        ctx.save_for_backward(x, W, V, c)
        ctx.block = block
        return logits

    @staticmethod
    def backward(ctx, grad_logits):
        x, W, V, c = ctx.saved_tensors
        Wt = W.t().contiguous()
        g = grad_logits.t().contiguous()              # D x B
        # the gradient wrt the pixels is only needed to check the autoregressive property
        want_dx = ctx.needs_input_grad[0]
        parts = _map_over_batch_chunks(
            lambda lo, hi: _nade_backward_chunk(x[lo:hi], g[:, lo:hi], Wt, V, c, ctx.block, want_dx),
            x.shape[0], x.device)
        dWt = sum(p[0] for p in parts)
        dV = sum(p[1] for p in parts)
        grad_c = sum(p[2] for p in parts)
        grad_x = torch.cat([p[3] for p in parts], 1).t() if want_dx else None
        return grad_x, dWt.t(), dV, g.sum(1), grad_c, None


def _nade_fused_chunk(x, Wt, V, b, c, block):
    """log p(x_b) of one chunk of the batch and the gradients of their sum, in one sweep.

    Training needs the gradient of the log-likelihood, and for it dL/dlogit_i = x_i - x̂_i
    is known as soon as logit_i is. So one forward sweep can do the backward's work too,
    without recomputing each block a second time. The one term that looks ahead, the sum
    R_j of dL/dA over pixels after j, is S_total - S_(up to j): dW[:, j] is x_j^T S_total
    (added at the end, one product) minus x_j^T S_(after j's block) plus the in-block part
    Mx^T dA as in the backward above.
    Returns (log p per example, dW^T, dV, dc, db, G) with G = dlog p/dlogits (D x B).
    """
    B, D = x.shape
    H = Wt.shape[1]
    xt = x.t().contiguous()                           # D x B
    logits = torch.empty(D, B, device=x.device, dtype=x.dtype)
    G = torch.empty(D, B, device=x.device, dtype=x.dtype)
    dWt = torch.empty_like(Wt)
    dV = torch.empty_like(V)
    A = c.expand(B, H).clone()                        # running pre-activation
    S = torch.zeros(B, H, device=x.device, dtype=x.dtype)   # sum of dL/dA over pixels so far
    tril = _block_masks(block, x.device, x.dtype)
    for s in range(0, D, block):
        e = min(s + block, D)
        k = e - s
        Mx, h = _block_hidden(x, Wt, A, tril, s, e)
        torch.bmm(h, V[s:e].unsqueeze(2), out=logits[s:e].unsqueeze(2))
        logits[s:e].add_(b[s:e, None])
        torch.sub(xt[s:e], torch.sigmoid(logits[s:e]), out=G[s:e])      # dlog p / dlogit
        torch.bmm(G[s:e].unsqueeze(1), h, out=dV[s:e].unsqueeze(1))
        dA = torch.ops.aten.sigmoid_backward(G[s:e].unsqueeze(2) * V[s:e].unsqueeze(1), h)
        S.add_(dA.sum(0))
        torch.addmm(torch.mm(xt[s:e], S), Mx.t(), dA.view(k * B, H), beta=-1, out=dWt[s:e])
        A.addmm_(xt[s:e].t(), Wt[s:e])
    dWt.addmm_(xt, S)                                 # + x_j^T S_total for every pixel j
    log_p = -F.binary_cross_entropy_with_logits(logits, xt, reduction="none").sum(0)
    return log_p, dWt, dV, S.sum(0), G.sum(1), G


class _NADELogProb(torch.autograd.Function):
    """log p(x) per example with the parameter gradients computed in the forward sweep
    (``_nade_fused_chunk``). Backward scales them when every example has the same weight
    (a mean or sum loss: the usual case); otherwise it falls back to the recomputing
    backward of ``_NADELogits`` with dL/dlogits = weight_b * (x - x̂)."""

    @staticmethod
    def forward(ctx, x, W, V, b, c, block):
        Wt = W.t().contiguous()
        parts = _map_over_batch_chunks(lambda lo, hi: _nade_fused_chunk(x[lo:hi], Wt, V, b, c, block),
                                       x.shape[0], x.device)
        log_p = torch.cat([p[0] for p in parts])
        ctx.grads = tuple(sum(p[i] for p in parts) for i in range(1, 5))   # dW^T, dV, dc, db of sum log p
        ctx.save_for_backward(x, W, V, c, torch.cat([p[5] for p in parts], 1))
        ctx.block = block
        return log_p

    @staticmethod
    def backward(ctx, grad_log_p):
        x, W, V, c, G = ctx.saved_tensors
        w = grad_log_p[0]
        if bool((grad_log_p == w).all()):
            dWt, dV, dc, db = (w * t for t in ctx.grads)
            return None, dWt.t(), dV, db, dc, None
        g = (G * grad_log_p).contiguous()             # D x B: dL/dlogits
        Wt = W.t().contiguous()
        parts = _map_over_batch_chunks(
            lambda lo, hi: _nade_backward_chunk(x[lo:hi], g[:, lo:hi], Wt, V, c, ctx.block, False),
            x.shape[0], x.device)
        return (None, sum(p[0] for p in parts).t(), sum(p[1] for p in parts), g.sum(1),
                sum(p[2] for p in parts), None)


class NADE(_BinaryAutoregressive):
    """Neural autoregressive distribution estimator (Larochelle & Murray 2011).

        h_i = sigmoid(c + W[:, <i] x_<i)         (H hidden units, W is H x D, shared)
        x̂_i = sigmoid(b_i + V_i . h_i)           (V is D x H)

    ``logits`` uses the blocked running sum with a hand-written backward (``_NADELogits``);
    ``logits_reference`` is the plain per-pixel loop, kept for tests and teaching.
    """

    def __init__(self, dims: int, hidden: int, block: int | None = None):
        super().__init__()
        self.dims, self.hidden = dims, hidden
        # larger blocks mean fewer steps (kernel launches) on a GPU; on a 2-core CPU, 16
        # (a block of 16 x 50 x 500 floats per thread, in L2 cache) measured fastest for B = 100

        self.block = block
        self.W = nn.Parameter(torch.randn(hidden, dims) * (1.0 / math.sqrt(dims)))
        self.c = nn.Parameter(torch.zeros(hidden))
        self.V = nn.Parameter(torch.randn(dims, hidden) * (1.0 / math.sqrt(hidden)))
        self.b = nn.Parameter(torch.zeros(dims))

    def _block(self) -> int:
        if self.block is not None:
            return self.block
        return 16 if self.W.device.type == "cpu" else 64

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self._x(x)
        return _NADELogits.apply(x, self.W, self.V, self.b, self.c, self._block())

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats per example. When training (gradients wanted for the parameters,
        not for x) the gradients are computed in the same sweep: about 1.3x faster per step."""
        x = self._x(x)
        if torch.is_grad_enabled() and self.W.requires_grad and not x.requires_grad:
            return _NADELogProb.apply(x, self.W, self.V, self.b, self.c, self._block())
        return super().log_prob(x)

    def logits_reference(self, x: torch.Tensor) -> torch.Tensor:
        """The per-pixel loop with the running sum a <- a + W[:, i] x_i (autograd through it)."""
        x = self._x(x)
        a = self.c.expand(x.shape[0], -1)
        out = []
        for i in range(self.dims):
            h = torch.sigmoid(a)
            out.append(self.b[i] + h @ self.V[i])
            a = a + x[:, i:i + 1] * self.W[:, i]
        return torch.stack(out, 1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, prefix: torch.Tensor | None = None
               ) -> torch.Tensor:
        """Sequential sampling in O(HD) per sample: draw x_i, then update the running sum.
        ``prefix`` (n x k, binary) fixes the first k pixels: completion from p(x_>k | x_<=k)."""
        W, V, b = self.W, self.V, self.b
        x, start = _start_from_prefix(self, n, prefix)
        a = torch.addmm(self.c, x[:, :start], W[:, :start].t())     # the running sum after the prefix
        u = torch.rand(n, self.dims, device=W.device, dtype=W.dtype, generator=generator)
        with _one_cpu_thread(x.device):
            for i in range(start, self.dims):
                p = torch.sigmoid(torch.addmv(b[i:i + 1], torch.sigmoid(a), V[i]))
                xi = (u[:, i] < p).to(W.dtype)
                x[:, i] = xi
                a.addr_(xi, W[:, i])
        return x


# ---------------------------------------------------------------------------
# Extensions: categorical outputs and real-valued (RNADE) outputs
# ---------------------------------------------------------------------------
def _exclusive_cumsum(t: torch.Tensor, dim: int) -> torch.Tensor:
    """sum_{j < i} t_j along ``dim`` (the running sum that NADE's pre-activations follow)."""
    return torch.cumsum(t, dim) - t


class CategoricalNADE(nn.Module):
    """NADE for pixels with K levels {0, ..., K-1}: x̂_i = softmax(b_i + V_i h_i) over K values.

    Input pixel j enters the hidden layer through the column W[:, j, x_j] (a one-hot input),
    so h_i = sigmoid(c + sum_{j<i} W[:, j, x_j]). Written in the straightforward vectorised
    form (B x D x H): meant for small images, e.g. 14 x 14.
    """

    def __init__(self, dims: int, hidden: int, levels: int):
        super().__init__()
        self.dims, self.hidden, self.levels = dims, hidden, levels
        self.W = nn.Parameter(torch.randn(dims, levels, hidden) * (1.0 / math.sqrt(dims)))
        self.c = nn.Parameter(torch.zeros(hidden))
        self.V = nn.Parameter(torch.randn(dims, hidden, levels) * (1.0 / math.sqrt(hidden)))
        self.b = nn.Parameter(torch.zeros(dims, levels))

    def _x(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.dims:
            raise ValueError(f"expected {self.dims} pixels per example, got {x.shape[1]}.")
        if x.is_floating_point() and bool((x != x.round()).any()):
            raise ValueError(f"expected integer pixel levels in 0..{self.levels - 1}, got fractions: "
                             "quantize first, e.g. (x * (K - 1)).round().long().")
        x = x.long().to(self.W.device)
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.levels):
            raise ValueError(f"pixel levels must lie in 0..{self.levels - 1}, got {int(x.min())}..{int(x.max())}.")
        return x

    def level_logits(self, x: torch.Tensor) -> torch.Tensor:
        """B x D x K unnormalised log-probabilities of each level of each pixel given x_<i."""
        x = self._x(x)
        cols = self.W[torch.arange(self.dims, device=x.device), x]          # B x D x H: W[:, j, x_j]
        h = torch.sigmoid(self.c + _exclusive_cumsum(cols, 1))
        return torch.einsum("bdh,dhk->bdk", h, self.V) + self.b

    def conditionals(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.level_logits(x), -1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        xi = self._x(x)
        logp = torch.log_softmax(self.level_logits(xi), -1)
        return logp.gather(2, xi.unsqueeze(2)).squeeze(2).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        x = torch.zeros(n, self.dims, dtype=torch.long, device=self.W.device)
        a = self.c.expand(n, -1).clone()
        for i in range(self.dims):
            probs = torch.softmax(torch.sigmoid(a) @ self.V[i] + self.b[i], -1)
            x[:, i] = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            a += self.W[i, x[:, i]]
        return x


class RNADE(nn.Module):
    """Real-valued NADE (Uria, Murray & Larochelle 2013): each conditional is a mixture of
    M Gaussians, p(x_i | x_<i) = sum_m pi_im N(x_i; mu_im, sigma_im^2), whose weights, means
    and log standard deviations are linear in h_i = sigmoid(c + W[:, <i] x_<i)."""

    def __init__(self, dims: int, hidden: int, components: int = 5):
        super().__init__()
        self.dims, self.hidden, self.components = dims, hidden, components
        self.W = nn.Parameter(torch.randn(hidden, dims) * 0.5)
        self.c = nn.Parameter(torch.zeros(hidden))
        # per pixel: weights (M), means (M) and log-stds (M) from h_i
        self.V = nn.Parameter(torch.randn(dims, hidden, 3 * components) * (1.0 / math.sqrt(hidden)))
        self.b = nn.Parameter(torch.cat([torch.zeros(dims, components),
                                         torch.linspace(-2, 2, components).expand(dims, -1),
                                         torch.zeros(dims, components)], 1))

    def _x(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1).to(self.W.device, self.W.dtype)
        if x.shape[1] != self.dims:
            raise ValueError(f"expected {self.dims} values per example, got {x.shape[1]}.")
        return x

    def mixture(self, x: torch.Tensor):
        """(log-weights, means, stds), each B x D x M, of every conditional p(x_i | x_<i)."""
        x = self._x(x)
        pre = self.c + _exclusive_cumsum(x.unsqueeze(2) * self.W.t(), 1)      # B x D x H
        out = torch.einsum("bdh,dhk->bdk", torch.sigmoid(pre), self.V) + self.b
        logit_w, mu, log_sigma = out.split(self.components, -1)
        return torch.log_softmax(logit_w, -1), mu, log_sigma.clamp(-7, 5).exp()

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = sum_i log sum_m pi_im N(x_i; mu_im, sigma_im^2), nats per example."""
        log_w, mu, sigma = self.mixture(x)
        xi = self._x(x).unsqueeze(2)
        log_normal = -0.5 * ((xi - mu) / sigma) ** 2 - sigma.log() - 0.5 * math.log(2 * math.pi)
        return torch.logsumexp(log_w + log_normal, -1).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        x = torch.zeros(n, self.dims, device=self.W.device, dtype=self.W.dtype)
        for i in range(self.dims):
            log_w, mu, sigma = (t[:, i] for t in self.mixture(x))   # depends on x_<i only
            m = torch.multinomial(log_w.exp(), 1, generator=generator)
            eps = torch.randn(n, 1, device=x.device, dtype=x.dtype, generator=generator)
            x[:, i] = (mu.gather(1, m) + sigma.gather(1, m) * eps).squeeze(1)
        return x
