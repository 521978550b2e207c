import {
  applySets,
  type PartialRunConfig,
  parseSetValue,
  type RunConfig,
  resolveRunConfig,
} from "../config/run-config.js";
import { deriveSeed, Rng } from "../engine/rng.js";
import { techniques } from "../techniques/index.js";
import { ConfigError } from "../util/errors.js";

/** One swept key: `section.key` and its values, or no values (draw from the technique's sampler). */
export interface GridAxis {
  key: string;
  values?: unknown[];
}

/** A sweep: a base config, the axes, grid or seeded random search, and the seeds of every point. */
export interface SweepSpec {
  task: string;
  technique: string;
  model?: string;
  /** `section.key=value` overrides applied to every point (like `run --set`). */
  sets: string[];
  axes: GridAxis[];
  /** Random search: `n` points drawn with `seed`; absent = full grid. */
  random?: { n: number; seed: number };
  seeds: number[];
}

/** Split on commas that are not inside brackets or quotes, so `[3,5],[7]` is two values. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (const ch of s) {
    if (ch === '"') quote = !quote;
    else if (!quote && (ch === "[" || ch === "{")) depth++;
    else if (!quote && (ch === "]" || ch === "}")) depth--;
    if (ch === "," && depth === 0 && !quote) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim());
}

/**
 * Parse a `--grid` flag: `task.D=30,90,180` (values, each parsed like a
 * `--set` value) or `technique.x` (no values: random search draws it from
 * the technique's sampler).
 */
export function parseGridFlag(raw: string): GridAxis {
  const eq = raw.indexOf("=");
  const key = (eq < 0 ? raw : raw.slice(0, eq)).trim();
  if (!/^(task|model|technique|train|eval)\.[A-Za-z0-9_]+$/.test(key)) {
    throw new ConfigError(
      `--grid key '${key}' must be section.key with section one of task, model, technique, train, eval (e.g. task.D=30,90,180)`,
    );
  }
  if (eq < 0) return { key };
  const parts = splitTopLevel(raw.slice(eq + 1));
  if (parts.some((p) => p === "")) throw new ConfigError(`--grid ${key}: empty value in '${raw.slice(eq + 1)}'`);
  return { key, values: parts.map(parseSetValue) };
}

/** A `--set` string whose value parses back to exactly `value` (strings are quoted). */
function setString(key: string, value: unknown): string {
  return `${key}=${JSON.stringify(value)}`;
}

/**
 * The points of a sweep, as `section.key=value` assignments. Grid: the
 * cartesian product of every axis (all need values). Random: `n` points,
 * each axis drawn uniformly from its values or, when it has none, from the
 * technique's sampler; no axes at all means every key the technique has a
 * sampler for. Same spec ⇒ same points.
 */
export function sweepPoints(spec: SweepSpec): Record<string, unknown>[] {
  const tech = techniques.get(spec.technique);
  const seen = new Set<string>();
  const keys = spec.axes.map((a) => a.key);
  for (const k of keys) {
    if (seen.has(k)) throw new ConfigError(`--grid ${k} is given twice; give all its values in one flag`);
    seen.add(k);
  }
  if (!spec.random) {
    if (spec.axes.length === 0) throw new ConfigError("a grid sweep needs at least one --grid section.key=v1,v2,…");
    const bare = spec.axes.find((a) => !a.values);
    if (bare) {
      throw new ConfigError(`--grid ${bare.key} has no values; give some (${bare.key}=v1,v2) or use --random N`);
    }
    let points: Record<string, unknown>[] = [{}];
    for (const a of spec.axes) {
      points = points.flatMap((p) => (a.values as unknown[]).map((v) => ({ ...p, [a.key]: v })));
    }
    return points;
  }
  const samplers = tech.samplers as Record<string, ((rng: Rng) => unknown) | undefined>;
  const axes: GridAxis[] = spec.axes.length
    ? spec.axes
    : Object.keys(samplers)
        .sort()
        .map((k) => ({ key: `technique.${k}` }));
  if (axes.length === 0) {
    throw new ConfigError(
      `technique '${tech.name}' has no samplers, so --random needs axes with values (--grid section.key=v1,v2,…)`,
    );
  }
  for (const a of axes) {
    const [section, k] = a.key.split(".");
    if (!a.values && (section !== "technique" || !samplers[k])) {
      const have = Object.keys(samplers);
      throw new ConfigError(
        `--grid ${a.key} has no values and no sampler to draw from; give values (${a.key}=v1,v2)${
          have.length
            ? ` or use a key technique '${tech.name}' samples: ${have.map((h) => `technique.${h}`).join(", ")}`
            : ""
        }`,
      );
    }
  }
  const rng = new Rng(deriveSeed(spec.random.seed, "sweep"));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < spec.random.n; i++) {
    const p: Record<string, unknown> = {};
    for (const a of axes) {
      const [, k] = a.key.split(".");
      p[a.key] = a.values ? a.values[rng.int(a.values.length)] : (samplers[k] as (r: Rng) => unknown)(rng);
    }
    out.push(p);
  }
  return out;
}

/** Expand a sweep into resolved run configs (points × seeds, point-major). */
export function expandSweep(spec: SweepSpec): RunConfig[] {
  if (spec.seeds.length === 0) throw new ConfigError("a sweep needs at least one seed (--seeds 0,1,2)");
  const base: PartialRunConfig = {
    task: { name: spec.task },
    technique: { name: spec.technique },
    model: spec.model ? { name: spec.model } : {},
  };
  const out: RunConfig[] = [];
  for (const point of sweepPoints(spec)) {
    const sets = [...spec.sets, ...Object.entries(point).map(([k, v]) => setString(k, v))];
    for (const seed of spec.seeds) {
      try {
        out.push(resolveRunConfig(applySets({ ...base, seed }, sets)));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new ConfigError(`sweep point ${JSON.stringify(point)}: ${msg}`);
      }
    }
  }
  return out;
}

/**
 * The baseline runs a set of configs needs to be scored (protocol §4): for
 * each distinct setting (task, model, train, eval) and seed, the same config
 * with technique `baseline`, placed first. Configs that are baselines
 * already are kept once.
 */
export function withBaselines(configs: readonly RunConfig[]): RunConfig[] {
  const seen = new Set<string>();
  const baselines: RunConfig[] = [];
  for (const c of configs) {
    const b = resolveRunConfig({
      task: c.task,
      model: c.model,
      train: c.train,
      eval: c.eval,
      seed: c.seed,
      technique: { name: "baseline" },
    });
    const key = JSON.stringify(b);
    if (!seen.has(key)) {
      seen.add(key);
      baselines.push(b);
    }
  }
  return [...baselines, ...configs.filter((c) => c.technique.name !== "baseline")];
}
