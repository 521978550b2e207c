/**
 * Interpretability where the task has structure to look for (protocol §3):
 *
 * - **group tasks** (`task.info.group`): for each group view — the whole
 *   group, and each subgroup the task names — the share of each irrep in
 *   the variance of every embedding matrix (rows = that view's elements, with
 *   the view's own character table: for a5-s5 both S5's irreps over all 120
 *   rows and A5's irreps (3a, 3b, 4, 5) over the 60 even rows), and, for
 *   two-token inputs, the cosine similarity of the logits with each irrep's
 *   character cube χ(a·b·c⁻¹) over the view's pairs and outputs, with the
 *   "key" irreps those at or above a threshold (Chughtai, Chan & Nanda 2023,
 *   arXiv:2302.03025, §5: a model composing through ρ has logits close to a
 *   multiple of ρ's cube). The default cut-off, 0.05, is ours: the paper's
 *   exact number could not be checked here. It sits in a wide gap: at
 *   initialisation every similarity is below 0.01, and in a5-s5 baselines
 *   (seeds 0–2, 1,000 steps) the A5 irreps split into 0.16–0.57 and ≤ 0.011.
 *   Computed with `src/interp/irreps.ts`.
 * - **modular tasks** (`task.info.moduli`): for each modulus p the DFT of
 *   every embedding over residues 0..p−1 (`src/interp/fourier.ts`): share of
 *   the norm per frequency, key frequencies and their summed share.
 *
 * What the glue reads from `task.info` (tasks that want interp provide it):
 * - group tasks: `group` (name) and the elements in token order, either
 *   `perms` (image arrays, with `degree`) or `elements` (cycle notation, e.g.
 *   "(0 1 2)(3 4)" or "e"); subgroups from `subgroup` + `subgroupIndices`
 *   (a5-s5), any `<name>Indices` list of token ids (subgroups: `h1Indices` →
 *   "H1"), or `subgroups: [{ name, indices }]`. Class c is taken to be the
 *   element with token id c (true in every group task here).
 * - modular tasks: `moduli`, or `P_X` and `P_Y` (number[]); residue a is token
 *   a and class a unless `residueTokens` / `residueClasses` map it.
 *
 * Embedding matrices are the model's `embedParams`: a parameter whose name
 * contains "unembed" is [d, numClasses] and is read by columns (one per
 * class), any other is [vocab, d] and is read by rows (one per token).
 */

import { tf } from "../engine/tf.js";
import { PermGroup } from "../groups/group.js";
import type { Perm } from "../groups/perm.js";
import { fromCycles } from "../groups/perm.js";
import { type FourierAnalysis, fourierShares } from "../interp/fourier.js";
import { type IrrepFraction, type IrrepSimilarity, irrepLogitSimilarity, isotypicFractions } from "../interp/irreps.js";
import type { Model } from "../models/types.js";
import type { BuiltTask } from "../tasks/types.js";
import { ConfigError } from "../util/errors.js";

/** A group (or subgroup) and where its elements live in the model's vocabulary. */
export interface GroupView {
  name: string;
  group: PermGroup;
  /** Token id (= class id) of group element i (`group.elements[i]`). */
  tokens: Int32Array;
}

/** Irrep shares of one embedding matrix over one group view. */
export interface EmbeddingIrreps {
  param: string;
  fractions: IrrepFraction[];
}

/** Everything computed for one group view. */
export interface GroupInterp {
  group: string;
  order: number;
  embeddings: EmbeddingIrreps[];
  /** Logit similarity per irrep (two-token inputs only). */
  logitSimilarity?: IrrepSimilarity[];
  /** Irreps with similarity ≥ keyThreshold, largest first. */
  keyIrreps?: string[];
  keyThreshold: number;
}

/** Fourier analysis of one embedding for one modulus. */
export interface EmbeddingFourier extends FourierAnalysis {
  param: string;
}

/** The interp result stored in `record.extra.interp`. */
export type InterpResult =
  | { kind: "group"; groups: GroupInterp[] }
  | { kind: "modular"; moduli: { p: number; embeddings: EmbeddingFourier[] }[] };

/** Options of `interpretModel`. */
export interface InterpOptions {
  /** Examples per forward pass for the logits (memory, not results). */
  batchSize: number;
  /** Logit similarity at or above which an irrep is "key". */
  keyThreshold: number;
  /** Share at or above which a Fourier frequency is "key". */
  fourierThreshold: number;
}

/** Parse cycle notation ("(0 1 2)(3 4)", "e") into cycles. */
function parseCycles(s: string): number[][] {
  const t = s.trim();
  if (t === "e" || t === "()" || t === "") return [];
  const cycles: number[][] = [];
  const re = /\(([^()]*)\)/g;
  let consumed = "";
  for (let m = re.exec(t); m; m = re.exec(t)) {
    consumed += m[0];
    const pts = m[1]
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (pts.some((v) => !Number.isInteger(v) || v < 0)) throw new ConfigError(`interp: bad cycle '${m[0]}' in '${s}'`);
    cycles.push(pts);
  }
  if (consumed.replace(/\s/g, "") !== t.replace(/\s/g, "")) {
    throw new ConfigError(`interp: '${s}' is not a permutation in cycle notation like "(0 1 2)(3 4)" or "e"`);
  }
  return cycles;
}

const groupCache = new Map<string, PermGroup>();

/** One PermGroup object per element set, so `characterTable`'s per-object cache is reused across calls. */
function groupOf(n: number, perms: Perm[]): PermGroup {
  const key = `${n}|${perms
    .map((p) => p.join(","))
    .sort()
    .join(";")}`;
  let g = groupCache.get(key);
  if (!g) {
    g = new PermGroup(n, perms);
    groupCache.set(key, g);
  }
  return g;
}

function makeView(name: string, n: number, perms: Perm[], tokenIds: number[]): GroupView {
  const group = groupOf(n, perms);
  if (group.size !== perms.length) throw new ConfigError(`interp: group '${name}' lists a repeated element`);
  const tokens = new Int32Array(group.size);
  perms.forEach((p, i) => {
    tokens[group.indexOf(p)] = tokenIds[i];
  });
  try {
    group.cayley(); // throws for a list that is not closed under composition
  } catch {
    throw new ConfigError(`interp: the elements given for '${name}' are not closed under composition (not a group)`);
  }
  return { name, group, tokens };
}

/**
 * The group views a task's `info` describes: the whole group first, then its
 * subgroups. Empty when the task has no group.
 */
export function groupViews(info: Record<string, unknown>): GroupView[] {
  if (typeof info.group !== "string") return [];
  let perms: Perm[];
  let n: number;
  if (Array.isArray(info.perms)) {
    perms = (info.perms as number[][]).map((p) => [...p]);
    n = typeof info.degree === "number" ? info.degree : Math.max(1, ...perms.map((p) => p.length));
    if (perms.some((p) => p.length !== n)) throw new ConfigError(`interp: info.perms must all have degree ${n}`);
  } else if (Array.isArray(info.elements)) {
    const cyc = (info.elements as unknown[]).map((e) => parseCycles(String(e)));
    n = typeof info.degree === "number" ? info.degree : Math.max(1, ...cyc.flat(2).map((v) => v + 1));
    perms = cyc.map((c) => fromCycles(n, c));
  } else {
    return [];
  }
  const views = [
    makeView(
      info.group,
      n,
      perms,
      perms.map((_, i) => i),
    ),
  ];
  const subs: { name: string; indices: number[] }[] = [];
  const add = (name: string, indices: unknown) => {
    if (Array.isArray(indices) && !subs.some((x) => x.name === name)) subs.push({ name, indices: indices as number[] });
  };
  if (typeof info.subgroup === "string") add(info.subgroup, info.subgroupIndices);
  for (const [key, v] of Object.entries(info)) {
    const m = /^(.+)Indices$/.exec(key);
    if (m && key !== "subgroupIndices") add(m[1].charAt(0).toUpperCase() + m[1].slice(1), v);
  }
  if (Array.isArray(info.subgroups)) {
    for (const s of info.subgroups as { name?: unknown; indices?: unknown }[]) {
      if (typeof s?.name === "string") add(s.name, s.indices);
    }
  }
  for (const s of subs) {
    for (const i of s.indices) {
      if (!Number.isInteger(i) || i < 0 || i >= perms.length) {
        throw new ConfigError(`interp: subgroup '${s.name}' has token id ${i}, outside 0..${perms.length - 1}`);
      }
    }
    views.push(
      makeView(
        s.name,
        n,
        s.indices.map((i) => perms[i]),
        s.indices,
      ),
    );
  }
  return views;
}

/** An embedding parameter as rows: one row per token (embeddings) or per class (unembedding). */
function embeddingRows(model: Model, name: string): { data: Float32Array; rows: number; cols: number } | null {
  const v = model.params[name];
  if (v?.shape.length !== 2) return null;
  const [r, c] = v.shape;
  const raw = v.dataSync() as Float32Array;
  if (!/unembed/.test(name)) return { data: raw.slice(), rows: r, cols: c };
  const t = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = raw[i * c + j];
  return { data: t, rows: c, cols: r };
}

function selectRows(m: { data: Float32Array; rows: number; cols: number }, ids: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length * m.cols);
  for (let i = 0; i < ids.length; i++) {
    const r = ids[i];
    if (r < 0 || r >= m.rows) throw new ConfigError(`interp: row ${r} is outside the matrix (${m.rows} rows)`);
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = m.data[r * m.cols + j];
  }
  return out;
}

/** L[a, b, c] over a view: logits of every pair of its elements, restricted to its elements as outputs. */
function viewLogits(model: Model, view: GroupView, batchSize: number): Float64Array {
  const s = view.group.size;
  const out = new Float64Array(s * s * s);
  const pairs = s * s;
  for (let start = 0; start < pairs; start += batchSize) {
    const end = Math.min(pairs, start + batchSize);
    const x = new Int32Array((end - start) * 2);
    for (let r = start; r < end; r++) {
      x[2 * (r - start)] = view.tokens[Math.floor(r / s)];
      x[2 * (r - start) + 1] = view.tokens[r % s];
    }
    const logits = tf.tidy(() => {
      const xt = tf.tensor2d(x, [end - start, 2], "int32");
      const l = model.forward(xt);
      return tf.gather(l, tf.tensor1d(view.tokens, "int32"), 1);
    });
    const data = logits.dataSync();
    logits.dispose();
    out.set(data, start * s);
  }
  return out;
}

function interpretGroups(model: Model, task: BuiltTask, views: GroupView[], opts: InterpOptions): GroupInterp[] {
  const mats = model.embedParams
    .map((name) => ({ name, m: embeddingRows(model, name) }))
    .filter((x): x is { name: string; m: NonNullable<ReturnType<typeof embeddingRows>> } => x.m !== null);
  const pairInputs = task.input.kind === "tokens" && task.input.length === 2;
  return views.map((view) => {
    const s = view.group.size;
    const embeddings = mats.map(({ name, m }) => ({
      param: name,
      fractions: isotypicFractions(view.group, selectRows(m, view.tokens), s, m.cols),
    }));
    const gi: GroupInterp = { group: view.name, order: s, embeddings, keyThreshold: opts.keyThreshold };
    if (pairInputs) {
      const sims = irrepLogitSimilarity(view.group, viewLogits(model, view, opts.batchSize));
      gi.logitSimilarity = sims;
      gi.keyIrreps = sims
        .filter((x) => x.similarity >= opts.keyThreshold)
        .sort((a, b) => b.similarity - a.similarity)
        .map((x) => x.label);
    }
    return gi;
  });
}

/** The moduli a task's info names: `moduli`, else `P_X` then `P_Y`; empty if none. */
function moduliOf(info: Record<string, unknown>): number[] {
  if (Array.isArray(info.moduli)) return (info.moduli as unknown[]).map(Number);
  const px = Array.isArray(info.P_X) ? (info.P_X as unknown[]).map(Number) : [];
  const py = Array.isArray(info.P_Y) ? (info.P_Y as unknown[]).map(Number) : [];
  return [...px, ...py];
}

function interpretModular(model: Model, moduli: number[], info: Record<string, unknown>, opts: InterpOptions) {
  const resTokens = Array.isArray(info.residueTokens) ? (info.residueTokens as number[]) : null;
  const resClasses = Array.isArray(info.residueClasses) ? (info.residueClasses as number[]) : null;
  return moduli.map((p) => {
    if (!Number.isInteger(p) || p < 2) throw new ConfigError(`interp: modulus ${p} is not an integer ≥ 2`);
    const embeddings: EmbeddingFourier[] = [];
    for (const name of model.embedParams) {
      const m = embeddingRows(model, name);
      if (!m) continue;
      const map = /unembed/.test(name) ? resClasses : resTokens;
      const ids = Int32Array.from({ length: p }, (_, a) => (map ? map[a] : a));
      embeddings.push({
        param: name,
        ...fourierShares(selectRows(m, ids), p, m.cols, { threshold: opts.fourierThreshold }),
      });
    }
    return { p, embeddings };
  });
}

/**
 * Interpret a trained model where its task has a group or moduli (see the
 * module comment for what is read); `null` for tasks with neither. The model
 * is only read.
 */
export function interpretModel(model: Model, task: BuiltTask, opts: InterpOptions): InterpResult | null {
  const views = groupViews(task.info);
  if (views.length > 0) return { kind: "group", groups: interpretGroups(model, task, views, opts) };
  const moduli = moduliOf(task.info);
  if (moduli.length > 0) return { kind: "modular", moduli: interpretModular(model, moduli, task.info, opts) };
  return null;
}
