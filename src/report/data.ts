/**
 * Plot data from run records: flat rows, one per point, ready for Vega-Lite.
 * Each reader takes what a record has and returns no rows when it lacks it
 * (a run without a relearning attack, a pair without interpretability), so a
 * report shows what exists and grows as evaluations are added.
 *
 * Where the readers look:
 * - training curves: `record.curves` (columnar `step`, `accX`, `accY`, …);
 * - relearning curves: any object under `record.extra` whose path mentions
 *   "relearn" and that has equal-length `step` and `acc` arrays (the
 *   `RelearnCurve` of src/eval/relearn.ts); a path that mentions "fresh" is
 *   the attack on a freshly initialised model;
 * - probe accuracy per hook: `record.extra.probe.{model,fresh}.hooks` (the
 *   result of src/eval/probe.ts);
 * - irrep shares and Fourier spectra: `record.extra.interp` (the
 *   `InterpResult` of src/eval/interp.ts).
 */
import type { RunRecord } from "../store/types.js";

/** A numeric value, or undefined for null/NaN/missing (the store writes NaN as null). */
function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** One point of a training curve. */
export interface CurveRow {
  series: string;
  seed: number;
  step: number;
  metric: string;
  value: number;
}

/** Training curves (`record.curves`) of the given metrics, labelled `series`. */
export function trainingCurveRows(
  series: string,
  r: RunRecord,
  metrics: readonly string[] = ["accX", "accY"],
): CurveRow[] {
  const steps = r.curves.step ?? [];
  const out: CurveRow[] = [];
  for (const metric of metrics) {
    const col = r.curves[metric];
    if (!col) continue;
    steps.forEach((step, i) => {
      const value = num(col[i]);
      if (value !== undefined && num(step) !== undefined) out.push({ series, seed: r.seed, step, metric, value });
    });
  }
  return out;
}

/** One point of a relearning curve. */
export interface RelearnRow {
  series: string;
  /** Which attack: the path under `extra` without the series-independent parts, e.g. "all k=64". */
  attack: string;
  /** "trained" for the run's model, "fresh" for a freshly initialised one. */
  model: "trained" | "fresh";
  seed: number;
  step: number;
  acc: number;
}

/** Every relearning curve found under `record.extra`. */
export function relearnRows(series: string, r: RunRecord): RelearnRow[] {
  const out: RelearnRow[] = [];
  // `path` is where we are under extra (for the relearn/fresh test); `label`
  // keeps the parts worth showing: keys that are not indexes or generic, and
  // the `mode` of an enclosing result ("all", "embed").
  const visit = (v: unknown, path: string[], label: string[], depth: number) => {
    if (!v || typeof v !== "object" || depth > 6) return;
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) visit(x, [...path, String(i)], label, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const here = typeof o.mode === "string" && !label.includes(o.mode) ? [...label, o.mode] : label;
    const onPath = path.join(".").toLowerCase();
    if (Array.isArray(o.step) && Array.isArray(o.acc) && o.step.length === o.acc.length && onPath.includes("relearn")) {
      const parts = num(o.k) !== undefined ? [...here, `k=${o.k}`] : here;
      const attack = parts.join(" ") || "relearn";
      const model = onPath.includes("fresh") ? "fresh" : "trained";
      (o.step as unknown[]).forEach((s, i) => {
        const step = num(s);
        const acc = num((o.acc as unknown[])[i]);
        if (step !== undefined && acc !== undefined) out.push({ series, attack, model, seed: r.seed, step, acc });
      });
      return;
    }
    for (const [k, x] of Object.entries(o)) {
      const generic = /^(relearn|modes|curves|fresh|relearn_?fresh|model|trained|results?)$/i.test(k);
      visit(x, [...path, k], generic || here.includes(k) ? here : [...here, k], depth + 1);
    }
  };
  visit(r.extra, [], [], 0);
  return out;
}

/** One hook's probe accuracy on Y.test. */
export interface ProbeRow {
  series: string;
  seed: number;
  /** "trained" for the run's model, "fresh" for a freshly initialised one. */
  model: "trained" | "fresh";
  hook: string;
  acc: number;
}

/** Probe accuracy per hook, of the trained model and of the fresh one, from `extra.probe` (src/eval/probe.ts). */
export function probeRows(series: string, r: RunRecord): ProbeRow[] {
  const probe = r.extra.probe as Record<string, unknown> | undefined;
  if (!probe || typeof probe !== "object") return [];
  const out: ProbeRow[] = [];
  for (const [key, model] of [
    ["model", "trained"],
    ["fresh", "fresh"],
  ] as const) {
    const hooks = (probe[key] as { hooks?: unknown } | undefined)?.hooks;
    if (!Array.isArray(hooks)) continue;
    for (const h of hooks as Record<string, unknown>[]) {
      const acc = num(h.testAcc);
      if (acc !== undefined) out.push({ series, seed: r.seed, model, hook: String(h.hook), acc });
    }
  }
  return out;
}

/** One irrep's share of one embedding, over one group view. */
export interface IrrepRow {
  series: string;
  seed: number;
  /** The group view, e.g. "S5" or "A5". */
  group: string;
  /** The embedding parameter, or "logits (similarity)" for the logit-cube similarity. */
  param: string;
  irrep: string;
  value: number;
}

/** Irrep shares of each embedding and the logits' irrep similarity, from `extra.interp` (group pairs). */
export function irrepRows(series: string, r: RunRecord): IrrepRow[] {
  const interp = r.extra.interp as { kind?: string; groups?: unknown } | undefined;
  if (interp?.kind !== "group" || !Array.isArray(interp.groups)) return [];
  const out: IrrepRow[] = [];
  for (const g of interp.groups as Record<string, unknown>[]) {
    const group = String(g.group);
    for (const e of (Array.isArray(g.embeddings) ? g.embeddings : []) as Record<string, unknown>[]) {
      for (const f of (Array.isArray(e.fractions) ? e.fractions : []) as Record<string, unknown>[]) {
        const value = num(f.fraction);
        if (value !== undefined)
          out.push({ series, seed: r.seed, group, param: String(e.param), irrep: String(f.label), value });
      }
    }
    for (const s of (Array.isArray(g.logitSimilarity) ? g.logitSimilarity : []) as Record<string, unknown>[]) {
      const value = num(s.similarity);
      if (value !== undefined) {
        out.push({ series, seed: r.seed, group, param: "logits (similarity)", irrep: String(s.label), value });
      }
    }
  }
  return out;
}

/** One frequency's share of one embedding's norm, for one modulus. */
export interface FourierRow {
  series: string;
  seed: number;
  p: number;
  param: string;
  k: number;
  share: number;
}

/** Fourier spectra of each embedding per modulus, from `extra.interp` (modular pairs). */
export function fourierRows(series: string, r: RunRecord): FourierRow[] {
  const interp = r.extra.interp as { kind?: string; moduli?: unknown } | undefined;
  if (interp?.kind !== "modular" || !Array.isArray(interp.moduli)) return [];
  const out: FourierRow[] = [];
  for (const m of interp.moduli as Record<string, unknown>[]) {
    const p = num(m.p);
    if (p === undefined) continue;
    for (const e of (Array.isArray(m.embeddings) ? m.embeddings : []) as Record<string, unknown>[]) {
      for (const s of (Array.isArray(e.shares) ? e.shares : []) as Record<string, unknown>[]) {
        const k = num(s.k);
        const share = num(s.share);
        if (k !== undefined && share !== undefined)
          out.push({ series, seed: r.seed, p, param: String(e.param), k, share });
      }
    }
  }
  return out;
}

/** A value at a dotted config path (`task.D` → `config.task.D`). */
export function configValue(r: RunRecord, key: string): unknown {
  let v: unknown = r.config;
  for (const part of key.split(".")) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
