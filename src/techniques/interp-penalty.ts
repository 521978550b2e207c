import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { type GroupView, groupViews } from "../eval/interp.js";
import { characterTable } from "../interp/irreps.js";
import { embedName } from "../models/embed-mlp.js";
import type { Model } from "../models/types.js";
import type { BuiltTask, Split } from "../tasks/types.js";
import { supervisedTraining } from "../train/loop.js";
import { ConfigError } from "../util/errors.js";
import { extendingIrreps, fourierBasis, irrepProjector } from "./shared/projectors.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Weight of the penalty (the mean, over penalised matrices, of the penalised share of their variance). */
    interpPenaltyWeight: z.number().nonnegative().default(1),
    /**
     * Group pairs: which irreps of each subgroup the task names (X's groups)
     * to penalise. "extend" = those that are restrictions of an irrep of the
     * whole group (for a5-s5: A5's 4 and 5, not 3a, 3b); or a list of irrep
     * labels ("4", or "A5:4" for one subgroup only).
     */
    interpPenaltyIrreps: z.union([z.literal("extend"), z.array(z.string()).min(1)]).default("extend"),
    /** Modular pairs: the moduli whose Fourier structure is penalised; "Y" = Y's held-out moduli. */
    interpPenaltyModuli: z.union([z.literal("Y"), z.array(z.number().int().min(2)).min(1)]).default("Y"),
    /**
     * Modular pairs: which frequencies k (1..⌊p/2⌋) to penalise; "top" = the
     * `interpPenaltyTopK` frequencies holding the largest share at each step
     * (penalising every frequency would be a constant: the shares sum to 1).
     */
    interpPenaltyFrequencies: z.union([z.literal("top"), z.array(z.number().int().min(1)).min(1)]).default("top"),
    interpPenaltyTopK: z.number().int().positive().default(2),
    /** Penalise the unembedding's columns (one per class) as well as the input embeddings' rows. */
    interpPenaltyUnembed: z.boolean().default(true),
  })
  .strict();
type H = z.infer<typeof hparams>;

/**
 * Seed, "Some techniques for influencing model generalisation":
 *
 * > - Use knowledge of how networks implement X and Y together (perhaps by
 * >   reverse engineering a model that does both) to build an interpretability
 * >   tool to train against.
 * >   - Of course, the dangers of training against interpretability tools are
 * >     well known. In this case, this isn't too much of a concern because I
 * >     hope to reverse engineer the circuit after training, but in general
 * >     this is dangerous. It's possible that if the pressure to learn the
 * >     fully general circuit isn't large enough, then the pressure towards
 * >     the more narrow circuitry introduced by training against the
 * >     interpretability tool may be enough to reliably produce the desired
 * >     outcome
 *
 * The tool: group pairs — the irrep decomposition of the embeddings (Chughtai
 * et al. 2023, arXiv:2302.03025). For each subgroup the task names (A5 in
 * a5-s5; H1, H2 in subgroups) and each embedding matrix, the rows of the
 * subgroup's elements are projected onto the chosen isotypic components by a
 * fixed |H|×|H| matrix (from the character table); the penalty is
 * ‖P·E_H‖² / ‖E_H − mean‖², the chosen irreps' share exactly as
 * `isotypicFractions` measures it. The seed's argument for A5→S5 is that an
 * A5 model using the 4-dim irrep generalises to S5 (it is the restriction of
 * S5's standard irrep) while one using 3a/3b cannot, so by default the
 * irreps that extend to the whole group are penalised. Modular pairs — the
 * Fourier decomposition over residues (Nanda et al. 2023, arXiv:2301.05217):
 * the share of the embeddings of residues 0..p−1 at the chosen frequencies,
 * for Y's moduli p, so that no periodic-in-p structure (the circuit for
 * addition mod p) forms. Only `task.info` is read, never Y's examples.
 * Everything else is plain training on X.train with the run's budget.
 */
export const interpPenalty: Technique<typeof hparams> = {
  name: "interp-penalty",
  describe: "penalise the share of chosen irreps (group pairs) or Fourier frequencies (modular) in the embeddings",
  source: "seed: train against an interpretability tool; irreps: arXiv:2302.03025; Fourier: arXiv:2301.05217",
  usesY: false,
  notFor: {
    "rotated-mnist": "images have no group or modular structure in task.info for the irrep/Fourier tool to read",
    shapes: "images have no group or modular structure in task.info for the irrep/Fourier tool to read",
  },
  hparams,
  samplers: {
    interpPenaltyWeight: (rng) => 10 ** (rng.uniform() * 3 - 1),
    interpPenaltyTopK: (rng) => 1 + rng.int(4),
    interpPenaltyUnembed: (rng) => rng.uniform() < 0.5,
  },
  train(ctx) {
    const terms = penaltyTerms(ctx.model, ctx.task, ctx.xTrain, ctx.hparams);
    const w = ctx.hparams.interpPenaltyWeight;
    try {
      supervisedTraining(ctx, {
        extraLoss: (model) => tf.mul(penaltyValue(model, terms), w),
      });
    } finally {
      for (const t of terms) t.dispose();
    }
  },
};

/** One penalised (matrix, group or modulus) pair. */
export interface PenaltyTerm {
  /** The model parameter, e.g. `embed_left.W`. */
  param: string;
  /** What it penalises, e.g. "A5: 4, 5" or "p=17: top 2". */
  describe: string;
  /** The penalised share of the parameter's rows (a scalar in [0, 1]). */
  share(model: Model): Tensor;
  dispose(): void;
}

/** The mean share over the terms (a scalar). */
export function penaltyValue(model: Model, terms: readonly PenaltyTerm[]): Tensor {
  return tf.tidy(() => tf.mean(tf.stack(terms.map((t) => t.share(model)))));
}

/**
 * The matrix of `param` as rows per token or class: input embeddings are
 * [vocab, d]; a parameter named like `unembed` is [d, classes] and its
 * columns are taken (transposed), selecting `ids`.
 */
function rowsOf(model: Model, param: string, ids: Tensor): Tensor {
  const W = model.params[param];
  return /unembed/.test(param) ? tf.transpose(tf.gather(W, ids, 1)) : tf.gather(W, ids);
}

/** ‖P·E‖² / ‖E − mean‖² for a fixed projector P (annihilating constants). */
function projectedShare(E: Tensor, P: Tensor): Tensor {
  const centred = tf.sub(E, tf.mean(E, 0, true));
  return tf.div(tf.sum(tf.square(tf.matMul(P, E))), tf.add(tf.sum(tf.square(centred)), 1e-12));
}

/**
 * Which embedding parameters hold rows for the given tokens in X's inputs:
 * every 2-D embedding parameter, except an embed-mlp per-position table
 * (`embed_left.W`, …) whose position never holds such a token in X.train
 * (e.g. the modulus position of the modular pair).
 */
function embeddingParams(model: Model, xTrain: Split, tokens: ArrayLike<number>, unembed: boolean): string[] {
  const L = xTrain.exampleShape[0] ?? 1;
  const wanted = new Set(Array.from(tokens));
  return model.embedParams.filter((name) => {
    if (model.params[name]?.shape.length !== 2) return false;
    if (/unembed/.test(name)) return unembed;
    for (let i = 0; i < L; i++) {
      if (name !== `embed_${embedName(i)}.W`) continue;
      for (let r = 0; r < xTrain.n; r++) if (wanted.has(xTrain.x[r * L + i])) return true;
      return false;
    }
    return true;
  });
}

/**
 * The penalty's terms for a task, from `task.info` alone: group pairs
 * (`info.group` with subgroups) or modular pairs (`info.P_Y`/`info.moduli`).
 * @throws ConfigError when the task has neither, or a named irrep,
 *   subgroup, modulus or frequency does not exist.
 */
export function penaltyTerms(model: Model, task: BuiltTask, xTrain: Split, h: H): PenaltyTerm[] {
  if (task.input.kind !== "tokens") {
    throw new ConfigError(
      `interp-penalty needs a token task with a group or moduli in task.info (a5-s5, subgroups, modular); this task has ${task.input.kind} inputs`,
    );
  }
  const views = groupViews(task.info);
  if (views.length > 1) return groupTerms(model, views, xTrain, h);
  if (Array.isArray(task.info.P_Y) || Array.isArray(task.info.moduli)) return fourierTerms(model, task, xTrain, h);
  throw new ConfigError(
    "interp-penalty: task.info names no subgroups (info.group with subgroupIndices/…Indices) and no moduli (info.P_Y); nothing to penalise",
  );
}

function groupTerms(model: Model, views: GroupView[], xTrain: Split, h: H): PenaltyTerm[] {
  const [parent, ...subs] = views;
  const chosen = subs.map((v) => {
    const labels = characterTable(v.group).irreps.map((r) => r.label);
    if (h.interpPenaltyIrreps === "extend") {
      const parentIdx = Int32Array.from(v.tokens, (t) => parent.tokens.indexOf(t));
      return extendingIrreps(parent.group, v.group, parentIdx);
    }
    const idx: number[] = [];
    for (const spec of h.interpPenaltyIrreps) {
      const colon = spec.lastIndexOf(":");
      const [group, label] = colon > 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [null, spec];
      if (group !== null && group !== v.name) continue;
      const i = labels.indexOf(label);
      if (i >= 0) idx.push(i);
    }
    return idx;
  });
  if (h.interpPenaltyIrreps !== "extend") {
    for (const spec of h.interpPenaltyIrreps) {
      const found = subs.some((v) => {
        const colon = spec.lastIndexOf(":");
        const [group, label] = colon > 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [null, spec];
        return (group === null || group === v.name) && characterTable(v.group).irreps.some((r) => r.label === label);
      });
      if (!found) {
        const valid = subs.map(
          (v) =>
            `${v.name}: ${characterTable(v.group)
              .irreps.map((r) => r.label)
              .join(", ")}`,
        );
        throw new ConfigError(
          `technique.interpPenaltyIrreps: no subgroup has an irrep '${spec}'; valid: ${valid.join("; ")}`,
        );
      }
    }
  }
  const terms: PenaltyTerm[] = [];
  subs.forEach((v, i) => {
    if (chosen[i].length === 0) return;
    const labels = chosen[i].map((r) => characterTable(v.group).irreps[r].label);
    const s = v.group.size;
    const P = tf.tensor2d(irrepProjector(v.group, chosen[i]), [s, s]);
    const ids = tf.tensor1d(v.tokens, "int32");
    const params = embeddingParams(model, xTrain, v.tokens, h.interpPenaltyUnembed);
    params.forEach((param, j) => {
      terms.push({
        param,
        describe: `${v.name}: ${labels.join(", ")}`,
        share: (m) => tf.tidy(() => projectedShare(rowsOf(m, param, ids), P)),
        // The projector and ids are shared by this view's terms: the last one frees them.
        dispose: j === params.length - 1 ? () => tf.dispose([P, ids]) : () => {},
      });
    });
    if (params.length === 0) tf.dispose([P, ids]);
  });
  if (terms.length === 0) {
    throw new ConfigError("interp-penalty: no irrep to penalise in any subgroup (interpPenaltyIrreps chose none)");
  }
  return terms;
}

function fourierTerms(model: Model, task: BuiltTask, xTrain: Split, h: H): PenaltyTerm[] {
  const info = task.info;
  const all = [
    ...(Array.isArray(info.moduli) ? (info.moduli as number[]) : []),
    ...(Array.isArray(info.P_X) ? (info.P_X as number[]) : []),
    ...(Array.isArray(info.P_Y) ? (info.P_Y as number[]) : []),
  ];
  const moduli = h.interpPenaltyModuli === "Y" ? ((info.P_Y as number[] | undefined) ?? []) : h.interpPenaltyModuli;
  if (moduli.length === 0)
    throw new ConfigError("interp-penalty: task.info has no P_Y; name the moduli in technique.interpPenaltyModuli");
  const terms: PenaltyTerm[] = [];
  for (const p of moduli) {
    if (!all.includes(p)) {
      throw new ConfigError(
        `technique.interpPenaltyModuli: ${p} is not a modulus of this task; valid: ${all.join(", ")}`,
      );
    }
    const { cos, sin, half } = fourierBasis(p);
    const freqs = h.interpPenaltyFrequencies;
    if (freqs !== "top") {
      const bad = freqs.filter((k) => k > half);
      if (bad.length) {
        throw new ConfigError(
          `technique.interpPenaltyFrequencies: ${bad.join(", ")} out of range 1..${half} for p = ${p}`,
        );
      }
    }
    const topK = Math.min(h.interpPenaltyTopK, half);
    const C = tf.tensor2d(cos, [half, p]);
    const S = tf.tensor2d(sin, [half, p]);
    const ids = tf.tensor1d(
      Int32Array.from({ length: p }, (_, a) => a),
      "int32",
    );
    const residues = Array.from({ length: p }, (_, a) => a);
    const params = embeddingParams(model, xTrain, residues, h.interpPenaltyUnembed);
    const share = (m: Model, param: string) =>
      tf.tidy(() => {
        const E = rowsOf(m, param, ids);
        const centred = tf.sub(E, tf.mean(E, 0, true));
        // energy[k−1] = ‖C_k·E‖² + ‖S_k·E‖²; they sum to ‖E − mean‖² (Parseval).
        const energy = tf.add(tf.sum(tf.square(tf.matMul(C, centred)), 1), tf.sum(tf.square(tf.matMul(S, centred)), 1));
        const shares = tf.div(energy, tf.add(tf.sum(energy), 1e-12));
        let idx: number[];
        if (freqs === "top") {
          const v = shares.dataSync();
          idx = Array.from(v.keys())
            .sort((a, b) => v[b] - v[a])
            .slice(0, topK);
        } else {
          idx = freqs.map((k) => k - 1);
        }
        return tf.sum(tf.gather(shares, tf.tensor1d(idx, "int32")));
      });
    params.forEach((param, j) => {
      terms.push({
        param,
        describe: `p=${p}: ${freqs === "top" ? `top ${topK}` : freqs.join(", ")}`,
        share: (m) => share(m, param),
        dispose: j === params.length - 1 ? () => tf.dispose([C, S, ids]) : () => {},
      });
    });
    if (params.length === 0) tf.dispose([C, S, ids]);
  }
  return terms;
}
