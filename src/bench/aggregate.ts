import { hashConfig } from "../config/canonical.js";
import { evalConfig } from "../config/run-config.js";
import { TRAIN_DEFAULTS } from "../config/train.js";
import { computeScore, type LeakComponent, type ScoreResult } from "../eval/score.js";
import { type MeanCI, meanCI } from "../eval/stats.js";
import { models } from "../models/index.js";
import type { RunRecord } from "../store/types.js";
import { tasks, type YFloor } from "../tasks/index.js";
import { techniques } from "../techniques/index.js";
import { VERSION } from "../version.js";

/**
 * Metrics the leaderboard shows, in order. score, accX and accY always have
 * a column; the others (the score's parts, the probe and relearning
 * evaluations) appear when any run of the section has them.
 */
export const LEADERBOARD_METRICS = ["score", "retainX", "leakY", "accX", "accY", "probeY", "relearnY"] as const;
const ALWAYS_SHOWN: ReadonlySet<string> = new Set(["score", "accX", "accY"]);

/** Per-seed values of one metric and their mean with a 95% CI (over the seeds where it is finite). */
export interface MetricStats extends MeanCI {
  /** seed → value (NaN where it is undefined for that seed). */
  perSeed: Record<number, number>;
}

/** One technique configuration within a setting, aggregated over seeds. */
export interface LeaderboardRow {
  technique: string;
  /** The technique's name and the hyperparameters that differ from its defaults. */
  label: string;
  hparams: Record<string, unknown>;
  /** Seeds with an ok record. */
  seeds: number[];
  /** Seeds whose record failed, with the reason. */
  failed: { seed: number; id: string; error: string }[];
  /** Seeds with an ok record but no ok baseline of the same seed (no score). */
  noBaseline: number[];
  metrics: Record<string, MetricStats>;
  /** Why the score is undefined or partial (from `computeScore`), deduplicated. */
  notes: string[];
  /**
   * Which leak component set leakY, counted over seeds: the informative
   * component(s) at the maximum, for seeds where leakY > 0. Says which
   * measure (behaviour, probe or relearning) the technique lost on.
   */
  leakFrom: Partial<Record<LeakComponent, number>>;
  ids: string[];
}

/**
 * One setting: a task pair with its parameters, model and training budget
 * (everything but the technique and the seed). Techniques are only
 * comparable within a setting; each is scored against the baseline of the
 * same setting and seed (protocol §4).
 */
export interface LeaderboardSection {
  key: string;
  task: string;
  /** e.g. `a5-s5 · embed-mlp(dEmbed=64) · steps 150`. */
  label: string;
  config: { task: Record<string, unknown>; model: Record<string, unknown>; train: Record<string, unknown> };
  chance: { x: number; y: number };
  /**
   * The pair's trivial-strategy accuracy on Y.test (`TaskPair.yFloor`),
   * averaged over the section's seeds (each seed's Y.test differs), where the
   * pair declares one.
   */
  yFloor?: YFloor;
  /** Metric columns present in this section, in LEADERBOARD_METRICS order. */
  columns: string[];
  /** Ranked best first: mean score descending, undefined scores last (then lower accY first). */
  rows: LeaderboardRow[];
}

/**
 * Mean over the ok records' seeds of the pair's `yFloor`, or undefined when
 * the pair declares none (or is not registered in this process, e.g. a
 * plugin's pair read back from a store).
 */
function sectionYFloor(recs: readonly RunRecord[]): YFloor | undefined {
  const ok = recs.filter((r) => r.status === "ok");
  if (ok.length === 0) return undefined;
  const name = String(ok[0].config.task.name);
  const pair = tasks.has(name) ? tasks.get(name) : undefined;
  const floorOf = pair?.yFloor?.bind(pair);
  if (!pair || !floorOf) return undefined;
  const { name: _n, ...raw } = ok[0].config.task as Record<string, unknown>;
  // A record written under an older schema of the pair may no longer parse:
  // then the report goes without the floor rather than failing.
  const cfg = pair.configSchema.safeParse(raw);
  if (!cfg.success) return undefined;
  const seeds = [...new Set(ok.map((r) => r.seed))];
  const floors = seeds.map((seed) => floorOf(cfg.data, seed));
  return { value: floors.reduce((a, f) => a + f.value, 0) / floors.length, strategy: floors[0].strategy };
}

/** The config sections that define a setting (what must match for two runs to be comparable). */
function settingOf(r: RunRecord): {
  task: Record<string, unknown>;
  model: Record<string, unknown>;
  train: Record<string, unknown>;
  eval: unknown;
  version: string;
} {
  const c = r.config as Record<string, unknown>;
  return {
    task: c.task as Record<string, unknown>,
    model: c.model as Record<string, unknown>,
    train: (c.train ?? {}) as Record<string, unknown>,
    eval: c.eval,
    version: r.versions.antilearn,
  };
}

/** Keys of `actual` whose value differs from `defaults` (all of them when there are no defaults). */
export function diffParams(actual: Record<string, unknown>, defaults: Record<string, unknown> | undefined): string[] {
  return Object.keys(actual)
    .filter((k) => k !== "name")
    .filter((k) => !defaults || JSON.stringify(actual[k]) !== JSON.stringify(defaults[k]))
    .sort()
    .map((k) => `${k}=${typeof actual[k] === "string" ? actual[k] : JSON.stringify(actual[k])}`);
}

function defaultsOf(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined) {
  if (!schema) return undefined;
  const r = schema.safeParse({});
  return r.success ? (r.data as Record<string, unknown>) : undefined;
}

/** A short name for a technique config: `name(key=value, …)` with only non-default hyperparameters. */
export function techniqueLabel(t: Record<string, unknown>): string {
  const name = String(t.name);
  const d = diffParams(t, techniques.has(name) ? defaultsOf(techniques.get(name).hparams) : undefined);
  return d.length ? `${name}(${d.join(", ")})` : name;
}

/**
 * A short name for a setting, showing only what differs from the pair's
 * defaults: task parameters, model, training budget, and with `full` also
 * the evaluation settings and the code version (which `buildLeaderboard`
 * adds only where two sections would otherwise share a label).
 */
export function settingLabel(s: ReturnType<typeof settingOf>, full = false): string {
  const taskName = String(s.task.name);
  const pair = tasks.has(taskName) ? tasks.get(taskName) : undefined;
  const parts = [taskName];
  const td = diffParams(s.task, defaultsOf(pair?.configSchema));
  if (td.length) parts[0] += `(${td.join(", ")})`;
  const modelName = String(s.model.name);
  const md = diffParams(s.model, models.has(modelName) ? defaultsOf(models.get(modelName).configSchema) : undefined);
  parts.push(md.length ? `${modelName}(${md.join(", ")})` : modelName);
  const trainDefaults = pair ? { ...TRAIN_DEFAULTS, ...pair.trainDefaults } : undefined;
  const trd = diffParams(s.train, trainDefaults as Record<string, unknown> | undefined);
  parts.push(trd.length ? `train(${trd.join(", ")})` : `default budget (${String(s.train.steps)} steps)`);
  if (!full) return parts.join(" · ");
  if (s.eval && typeof s.eval === "object") {
    const evalDefaults = evalConfig.safeParse({ ...(pair?.evalDefaults ?? {}) });
    const ed = diffParams(s.eval as Record<string, unknown>, evalDefaults.success ? evalDefaults.data : undefined);
    if (ed.length) parts.push(`eval(${ed.join(", ")})`);
  }
  if (s.version !== VERSION) parts.push(`antilearn ${s.version}`);
  return parts.join(" · ");
}

/** The setting key of a record: runs with equal keys differ only in technique and seed. */
export function settingKey(r: RunRecord): string {
  return hashConfig(settingOf(r));
}

/**
 * The protocol §4 score of every ok record that has an ok baseline run of
 * the same setting and seed among `records` (the baseline's own score is
 * 0 by construction, or NaN where it is undefined).
 */
export function recordScores(records: readonly RunRecord[]): Map<string, ScoreResult> {
  const baselines = new Map<string, RunRecord>();
  for (const r of records) {
    if (r.config.technique.name === "baseline" && r.status === "ok") baselines.set(`${settingKey(r)}|${r.seed}`, r);
  }
  const out = new Map<string, ScoreResult>();
  for (const r of records) {
    if (r.status !== "ok") continue;
    const base = baselines.get(`${settingKey(r)}|${r.seed}`);
    if (base && Number.isFinite(r.metrics.accX) && Number.isFinite(base.metrics.accX)) {
      out.set(r.id, computeScore(r.metrics, base.metrics, r.chance));
    }
  }
  return out;
}

function stats(perSeed: Record<number, number>): MetricStats {
  const finite = Object.values(perSeed).filter(Number.isFinite);
  return { ...meanCI(finite), perSeed };
}

/**
 * Build the leaderboard from records: group by setting, then by technique
 * config; score each ok run against the ok baseline of the same setting and
 * seed with `computeScore` (protocol §4); aggregate every metric over seeds
 * as mean ± 95% Student-t CI (`meanCI`). Metrics that no run has (probeY,
 * relearnY before those evaluations exist) get no column.
 */
export function buildLeaderboard(records: readonly RunRecord[]): LeaderboardSection[] {
  const scores = recordScores(records);
  const bySetting = new Map<string, RunRecord[]>();
  const settings = new Map<string, ReturnType<typeof settingOf>>();
  for (const r of records) {
    const s = settingOf(r);
    const key = hashConfig(s);
    settings.set(key, s);
    bySetting.set(key, [...(bySetting.get(key) ?? []), r]);
  }
  const sections: LeaderboardSection[] = [];
  for (const [key, recs] of bySetting) {
    const s = settings.get(key) as ReturnType<typeof settingOf>;
    const byTech = new Map<string, RunRecord[]>();
    for (const r of recs) {
      const k = hashConfig(r.config.technique);
      byTech.set(k, [...(byTech.get(k) ?? []), r]);
    }
    const present = new Set<string>();
    const rows: LeaderboardRow[] = [];
    for (const group of byTech.values()) {
      const t = group[0].config.technique as Record<string, unknown>;
      const per: Record<string, Record<number, number>> = {};
      const row: LeaderboardRow = {
        technique: String(t.name),
        label: techniqueLabel(t),
        hparams: t,
        seeds: [],
        failed: [],
        noBaseline: [],
        metrics: {},
        notes: [],
        leakFrom: {},
        ids: group.map((r) => r.id),
      };
      for (const r of [...group].sort((a, b) => a.seed - b.seed)) {
        if (r.status !== "ok") {
          row.failed.push({ seed: r.seed, id: r.id, error: r.error ?? "failed" });
          continue;
        }
        row.seeds.push(r.seed);
        const values: Record<string, number> = { ...r.metrics };
        const sc = scores.get(r.id);
        if (sc) {
          values.score = sc.score;
          values.retainX = sc.retainX;
          values.leakY = sc.leakY;
          if (sc.note && !row.notes.includes(sc.note)) row.notes.push(sc.note);
          if (sc.leakY > 0) {
            for (const c of sc.informative) {
              if (sc.components[c]?.leak === sc.leakY) row.leakFrom[c] = (row.leakFrom[c] ?? 0) + 1;
            }
          }
        } else {
          row.noBaseline.push(r.seed);
          values.score = Number.NaN;
        }
        for (const [m, v] of Object.entries(values)) {
          if (typeof v !== "number") continue;
          per[m] ??= {};
          per[m][r.seed] = v;
          if (Number.isFinite(v)) present.add(m);
        }
      }
      for (const [m, p] of Object.entries(per)) row.metrics[m] = stats(p);
      rows.push(row);
    }
    const score = (r: LeaderboardRow) => r.metrics.score?.mean ?? Number.NaN;
    const accY = (r: LeaderboardRow) => r.metrics.accY?.mean ?? Number.POSITIVE_INFINITY;
    rows.sort((a, b) => {
      const sa = score(a);
      const sb = score(b);
      if (Number.isFinite(sa) !== Number.isFinite(sb)) return Number.isFinite(sa) ? -1 : 1;
      if (Number.isFinite(sa) && sa !== sb) return sb - sa;
      if (accY(a) !== accY(b)) return accY(a) - accY(b);
      return a.label.localeCompare(b.label);
    });
    const ok = recs.find((r) => r.status === "ok");
    const floor = sectionYFloor(recs);
    sections.push({
      key,
      task: String(s.task.name),
      label: settingLabel(s),
      config: { task: s.task, model: s.model, train: s.train },
      chance: ok?.chance ?? { x: Number.NaN, y: Number.NaN },
      ...(floor ? { yFloor: floor } : {}),
      columns: LEADERBOARD_METRICS.filter((m) => ALWAYS_SHOWN.has(m) || present.has(m)),
      rows,
    });
  }
  // Two settings that differ only in evaluation (or code version) would share
  // a label: those get the long form, which names what differs.
  const count = new Map<string, number>();
  for (const sec of sections) count.set(sec.label, (count.get(sec.label) ?? 0) + 1);
  for (const sec of sections) {
    if ((count.get(sec.label) ?? 0) > 1)
      sec.label = settingLabel(settings.get(sec.key) as ReturnType<typeof settingOf>, true);
  }
  return sections.sort((a, b) => a.label.localeCompare(b.label));
}
