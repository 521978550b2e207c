import { z } from "zod";
import { deriveSeed, Rng } from "../engine/rng.js";
import { ConfigError } from "../util/errors.js";
import { type ConfigProblem, refineWith, throwProblems } from "./checks.js";
import { tokenSplit } from "./split.js";
import { stratifiedPartition } from "./stratify.js";
import type { BuiltTask, Split, TaskPair } from "./types.js";

/** Largest modulus accepted: a modulus p contributes p² examples and p output classes. */
export const MAX_MODULUS = 512;

const moduli = (def: number[]) => z.array(z.number()).default(def);

function problems(c: ModularConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const key of ["P_X", "P_Y"] as const) {
    const list = c[key];
    if (list.length === 0) {
      out.push({
        key,
        message:
          key === "P_X"
            ? "is empty; X needs at least one modulus to train on, e.g. [7, 11, 13]"
            : "is empty; Y needs at least one held-out modulus (not in P_X), e.g. [17]",
      });
    }
    const bad = list.filter((p) => !Number.isInteger(p) || p < 2 || p > MAX_MODULUS);
    if (bad.length) {
      out.push({ key, message: `moduli must be integers in 2..${MAX_MODULUS}, got ${bad.join(", ")}` });
    }
    const dup = list.filter((p, i) => list.indexOf(p) !== i);
    if (dup.length) out.push({ key, message: `lists ${[...new Set(dup)].join(", ")} more than once` });
  }
  const overlap = c.P_Y.filter((p) => c.P_X.includes(p));
  if (overlap.length) {
    out.push({
      key: "P_Y",
      message: `moduli ${overlap.join(", ")} are also in P_X; Y's moduli must be held out from X (P_X and P_Y disjoint)`,
    });
  }
  if (!(c.replayFraction >= 0 && c.replayFraction < 1)) {
    out.push({ key: "replayFraction", message: `must be in [0, 1), got ${c.replayFraction}` });
  }
  if (c.yAccessFraction + c.yTestFraction >= 1) {
    out.push({
      key: "yTestFraction",
      message: `yAccessFraction + yTestFraction must be < 1 so that Y.relearn is not empty, got ${c.yAccessFraction} + ${c.yTestFraction}`,
    });
  }
  return out;
}

/** Parameters of the modular-addition pair. */
export const modularConfig = z
  .object({
    /** Moduli of X, in the order `sequential` training visits them. */
    P_X: moduli([7, 11, 13, 19, 23, 29]),
    /** Held-out moduli of Y (disjoint from P_X). */
    P_Y: moduli([17]),
    /**
     * How the modulus is written as the third token. `separate`: one extra
     * vocabulary entry per modulus (token maxP + i for the i-th smallest of
     * P_X ∪ P_Y), so a Y modulus's token is never seen in training and its
     * embedding stays at initialisation. `shared`: the modulus p is the number
     * token p itself (vocab maxP + 1), whose embedding X trains as an operand
     * whenever p < max(P_X).
     */
    layout: z.enum(["separate", "shared"]).default("separate"),
    /**
     * Order of X's training data. `mixed`: every batch draws from all moduli.
     * `sequential`: one modulus at a time in P_X's order, with `replayFraction`
     * of each batch replayed from earlier moduli (the seed's ordering). The
     * split itself is the same either way: the order is data for the training
     * loop (`info.ordering`), which realises it with `orderedBatches`. Loops
     * built on `supervisedTraining` (the baseline) ignore it and train mixed.
     */
    ordering: z.enum(["mixed", "sequential"]).default("mixed"),
    replayFraction: z.number().default(0.1),
    /** Fraction of each X modulus's p² pairs in X.train; the rest is X.test. */
    trainFraction: z.number().gt(0).lt(1).default(0.8),
    /** Fractions of each Y modulus's pairs for Y.access and Y.test; Y.relearn gets the rest. */
    yAccessFraction: z.number().gt(0).lt(1).default(0.2),
    yTestFraction: z.number().gt(0).lt(1).default(0.3),
  })
  .strict()
  .superRefine(refineWith((c) => problems(c)));
export type ModularConfig = z.infer<typeof modularConfig>;

/** What a training loop needs to realise the configured data order (`info.ordering`). */
export interface ModularOrdering {
  kind: "mixed" | "sequential";
  /** X's moduli in the order sequential training visits them. */
  moduli: number[];
  replayFraction: number;
}

/** The token that stands for modulus `p` under a layout. */
export function modulusToken(p: number, all: readonly number[], layout: ModularConfig["layout"]): number {
  const maxP = Math.max(...all);
  if (layout === "shared") return p;
  const sorted = [...all].sort((a, b) => a - b);
  const i = sorted.indexOf(p);
  if (i < 0) throw new ConfigError(`modulus ${p} is not one of ${sorted.join(", ")}`);
  return maxP + i;
}

/**
 * Seed, toy example 4: `(a + b) mod p` with the modulus as an input token,
 * tokens `[a, b, p-token]` with `a, b < p` and the answer residue as the
 * class (classes 0..maxP-1, shared by all moduli). X uses the moduli P_X, Y
 * the held-out P_Y. Every split's `groupKey` is the modulus.
 *
 * Chance: a model that reads p and guesses uniformly among p residues scores
 * 1/p, so `chanceX`/`chanceY` are the mean of 1/p over the examples of X.test
 * and Y.test (a blind guess over all maxP classes would score less). Note
 * the higher floor for Y: a model that adds without reducing mod p (what a
 * trained model tends to do with an unseen modulus token) is right on every
 * pair with a + b < p, about (p+1)/2p of them; `info.noWrapShare` has the
 * exact share per test split.
 */
export const modular: TaskPair<typeof modularConfig> = {
  name: "modular",
  describe: "(a + b) mod p with p as an input token [a, b, p]: X = moduli P_X, Y = held-out moduli P_Y",
  hypothesis:
    "With few moduli a model learns a separate Fourier circuit per p (Nanda et al. 2023, arXiv:2301.05217); with enough moduli it should learn addition mod p as a function of the p token, so a held-out p needs at most its token's embedding (relearn in embed mode), and mixed ordering should favour that general circuit more than sequential ordering.",
  configSchema: modularConfig,
  defaultModel: "transformer",
  models: ["transformer", "embed-mlp"],
  trainDefaults: { steps: 1500, batchSize: 256, lr: 3e-3, weightDecay: 1, beta1: 0.9, beta2: 0.98, evalEvery: 100 },
  // Both modes (embed: a held-out modulus needs only its token's embedding),
  // one attack size, so evaluation stays under training time.
  evalDefaults: { relearnK: [1] },
  yFloor(config: ModularConfig, seed: number) {
    const share = modular.build(config, seed).info.noWrapShare as { Y: number };
    return { value: share.Y, strategy: "a + b without reducing mod p, right whenever a + b < p" };
  },
  build(config: ModularConfig, seed: number): BuiltTask {
    throwProblems(problems(config));
    const all = [...config.P_X, ...config.P_Y];
    const maxP = Math.max(...all);
    const vocab = config.layout === "shared" ? maxP + 1 : maxP + all.length;
    const rows = all.reduce((s, p) => s + p * p, 0);
    const tokens = new Int32Array(rows * 3);
    const labels = new Int32Array(rows);
    const keys = new Int32Array(rows);
    const strata = new Map<number, Int32Array>();
    let r = 0;
    for (const p of all) {
      const tok = modulusToken(p, all, config.layout);
      const start = r;
      for (let a = 0; a < p; a++) {
        for (let b = 0; b < p; b++, r++) {
          tokens[3 * r] = a;
          tokens[3 * r + 1] = b;
          tokens[3 * r + 2] = tok;
          labels[r] = (a + b) % p;
          keys[r] = p;
        }
      }
      strata.set(
        p,
        Int32Array.from({ length: p * p }, (_, i) => start + i),
      );
    }
    const rng = new Rng(deriveSeed(seed, "task:modular"));
    const of = (ps: number[]) => ps.map((p) => strata.get(p) as Int32Array);
    const [xTrain, xTest] = stratifiedPartition(
      of(config.P_X),
      [config.trainFraction, 1 - config.trainFraction],
      rng.fork("X"),
    );
    const yRest = 1 - config.yAccessFraction - config.yTestFraction;
    const [yAccess, yTest, yRelearn] = stratifiedPartition(
      of(config.P_Y),
      [config.yAccessFraction, config.yTestFraction, yRest],
      rng.fork("Y"),
    );
    const split = (name: Split["name"], idx: Int32Array) => tokenSplit(name, tokens, labels, 3, idx, keys);
    const splits = {
      "X.train": split("X.train", xTrain),
      "X.test": split("X.test", xTest),
      "Y.access": split("Y.access", yAccess),
      "Y.test": split("Y.test", yTest),
      "Y.relearn": split("Y.relearn", yRelearn),
    };
    // Share of a split's pairs with a + b < p: a model that adds without ever
    // reducing (e.g. one that treats an unseen modulus token as "large")
    // answers these right, so it is the floor a real Y circuit must beat.
    const noWrap = (s: Split) => {
      let c = 0;
      for (let i = 0; i < s.n; i++) if (s.x[3 * i] + s.x[3 * i + 1] < (s.groupKey as Int32Array)[i]) c++;
      return c / s.n;
    };
    const meanInverse = (s: Split) => (s.groupKey as Int32Array).reduce((acc, p) => acc + 1 / p, 0) / s.n;
    const sortedAll = [...all].sort((a, b) => a - b);
    const ordering: ModularOrdering = {
      kind: config.ordering,
      moduli: [...config.P_X],
      replayFraction: config.replayFraction,
    };
    return {
      splits,
      chanceX: meanInverse(splits["X.test"]),
      chanceY: meanInverse(splits["Y.test"]),
      numClasses: maxP,
      input: { kind: "tokens", vocab, length: 3 },
      info: {
        P_X: [...config.P_X],
        P_Y: [...config.P_Y],
        maxP,
        layout: config.layout,
        /** Token id of each modulus. */
        modulusTokens: Object.fromEntries(sortedAll.map((p) => [p, modulusToken(p, all, config.layout)])),
        ordering,
        tokenNames: Array.from({ length: vocab }, (_, t) =>
          t < maxP || config.layout === "shared" ? String(t) : `p=${sortedAll[t - maxP]}`,
        ),
        classNames: Array.from({ length: maxP }, (_, t) => String(t)),
        chance: "mean of 1/p over the test split's examples",
        /** Accuracy of plain a + b without reduction on X.test / Y.test (see the comment above). */
        noWrapShare: { X: noWrap(splits["X.test"]), Y: noWrap(splits["Y.test"]) },
      },
    };
  },
};

/** Options of `orderedBatches`. */
export interface OrderedBatchOptions {
  /** Number of batches to yield (the training budget in steps). */
  steps: number;
  /** Examples per batch; 0 = every eligible row once per step (full batch). */
  batchSize: number;
}

/**
 * Row indices of `split` (X.train of a modular task, whose `groupKey` is the
 * modulus) for each training step, in the order `ordering` describes.
 *
 * - `mixed`: seeded epochs over all rows (like `BatchStream`); full batch
 *   returns every row each step.
 * - `sequential`: the budget is cut into one phase per modulus, in
 *   `ordering.moduli` order (phase k covers steps ⌊k·steps/K⌋ … ⌊(k+1)·steps/K⌋−1).
 *   In phase k a batch holds `round(replayFraction·batchSize)` rows drawn
 *   uniformly from moduli 0..k−1 (none in phase 0) and the rest from modulus
 *   k in seeded epochs (all of modulus k if it has fewer rows than that, so
 *   such a batch is smaller). Full batch: all of modulus k plus
 *   `round(replayFraction/(1−replayFraction)·n_k)` earlier rows (at most all
 *   of them), so replay is the same fraction of the batch.
 *
 * Deterministic per `rng`. A technique passes these to `splitTensors`.
 */
export function* orderedBatches(
  split: Split,
  ordering: ModularOrdering,
  opts: OrderedBatchOptions,
  rng: Rng,
): Generator<Int32Array> {
  const { steps, batchSize } = opts;
  if (!split.groupKey) throw new ConfigError(`orderedBatches: split ${split.name} has no groupKey (modulus per row)`);
  if (ordering.kind === "mixed") {
    yield* epochs(
      Int32Array.from({ length: split.n }, (_, i) => i),
      steps,
      batchSize,
      rng.fork("mixed"),
    );
    return;
  }
  const key = split.groupKey;
  const byModulus = ordering.moduli.map((p) => {
    const rows: number[] = [];
    for (let i = 0; i < split.n; i++) if (key[i] === p) rows.push(i);
    if (rows.length === 0) throw new ConfigError(`orderedBatches: modulus ${p} has no rows in ${split.name}`);
    return Int32Array.from(rows);
  });
  const K = byModulus.length;
  const r = ordering.replayFraction;
  for (let k = 0; k < K; k++) {
    const phaseSteps = Math.floor(((k + 1) * steps) / K) - Math.floor((k * steps) / K);
    const current = byModulus[k];
    const earlier = k === 0 ? new Int32Array(0) : concat(byModulus.slice(0, k));
    const full = batchSize <= 0;
    const nReplay =
      earlier.length === 0
        ? 0
        : full
          ? Math.min(earlier.length, Math.round((r / (1 - r)) * current.length))
          : Math.round(r * batchSize);
    const nCurrent = full ? current.length : batchSize - nReplay;
    const cur = epochs(current, phaseSteps, full ? 0 : nCurrent, rng.fork(`phase:${k}`));
    const rep = epochs(earlier, phaseSteps, nReplay, rng.fork(`replay:${k}`));
    for (let s = 0; s < phaseSteps; s++) {
      const a = cur.next().value as Int32Array;
      const b = nReplay > 0 ? (rep.next().value as Int32Array) : new Int32Array(0);
      const out = new Int32Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      yield out;
    }
  }
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * `steps` batches of `size` rows from `rows`, walking seeded permutations
 * epoch by epoch; `size` 0 (or ≥ rows) gives all rows every step.
 */
function* epochs(rows: Int32Array, steps: number, size: number, rng: Rng): Generator<Int32Array> {
  const n = rows.length;
  if (size <= 0 || size >= n) {
    for (let s = 0; s < steps; s++) yield rows;
    return;
  }
  let order = rng.permutation(n);
  let pos = 0;
  for (let s = 0; s < steps; s++) {
    if (pos + size > n) {
      order = rng.permutation(n);
      pos = 0;
    }
    yield Int32Array.from(order.subarray(pos, pos + size), (i) => rows[i]);
    pos += size;
  }
}
