/**
 * The benchmark score (protocol §4), as a pure function of a run's metrics,
 * the baseline's metrics (same pair, seed, budget and eval config) and the
 * chance levels, plus a helper that finds or trains the baseline record.
 *
 * ```
 * retainX = clip((accX − chanceX) / (accX_base − chanceX), 0, 1)
 * leak_m  = clip((m − m_fresh) / (m_base − m_fresh), 0, 1)   m ∈ {accY, probeY, relearnY}
 *           (denominator < 0.05: not informative — reported, left out)
 * leakY   = max over the informative components
 * score   = retainX · (1 − leakY)
 * ```
 * `m_fresh` is chanceY for accY, and the freshly initialised model's value
 * (`probeY_fresh`, `relearnY_fresh`) for the others. The fresh model depends
 * only on the seed and the model config, so the run's own fresh value and the
 * baseline's are the same number; the run's is used (the baseline's if the
 * run lacks it).
 */
import { type PartialRunConfig, type RunConfig, resolveRunConfig } from "../config/run-config.js";
import type { ResultStore } from "../store/sqlite.js";
import type { RunRecord } from "../store/types.js";
import { ConfigError } from "../util/errors.js";

/** Below this a component's denominator says nothing: the baseline is no better than fresh. */
export const MIN_DENOMINATOR = 0.05;

/** The leak components of protocol §4, in report order. */
export const LEAK_COMPONENTS = ["accY", "probeY", "relearnY"] as const;
export type LeakComponent = (typeof LEAK_COMPONENTS)[number];

/** One leak component, with everything needed to check it by hand. */
export interface LeakTerm {
  /** The run's value m. */
  value: number;
  /** m_fresh: chanceY for accY, else the fresh model's value. */
  fresh: number;
  /** m_base. */
  base: number;
  /** m_base − m_fresh. */
  denominator: number;
  /** clip((m − m_fresh) / denominator, 0, 1); NaN when not informative or missing. */
  leak: number;
  informative: boolean;
  /** Why it is left out, when it is. */
  note?: string;
}

/** The score and its parts. */
export interface ScoreResult {
  /** retainX · (1 − leakY) in [0, 1]; NaN when it cannot be defined (see `note`). */
  score: number;
  retainX: number;
  /** Max of the informative leaks; NaN when none is informative. */
  leakY: number;
  components: Partial<Record<LeakComponent, LeakTerm>>;
  /** Names of the components that entered leakY. */
  informative: LeakComponent[];
  /** Why the score is NaN, if it is. */
  note?: string;
}

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Protocol §4 for one run against its baseline.
 * @param run the run's metrics (accX, accY, probeY, probeY_fresh, relearnY, relearnY_fresh)
 * @param base the baseline's metrics for the same pair, seed, budget and eval config
 * @param chance the task's chance levels `{ x, y }` (as in `RunRecord.chance`)
 */
export function computeScore(
  run: Record<string, number>,
  base: Record<string, number>,
  chance: { x: number; y: number },
): ScoreResult {
  for (const [what, m] of [
    ["run", run],
    ["baseline", base],
  ] as const) {
    if (!Number.isFinite(m.accX)) throw new ConfigError(`computeScore: ${what} metrics have no accX`);
  }
  const components: Partial<Record<LeakComponent, LeakTerm>> = {};
  const informative: LeakComponent[] = [];
  for (const name of LEAK_COMPONENTS) {
    const value = run[name];
    const b = base[name];
    if (value === undefined && b === undefined) continue; // not evaluated (e.g. --no-probe)
    const fresh = name === "accY" ? chance.y : (run[`${name}_fresh`] ?? base[`${name}_fresh`]);
    const denominator = b - fresh;
    const term: LeakTerm = { value, fresh, base: b, denominator, leak: Number.NaN, informative: false };
    if (![value, fresh, b].every(Number.isFinite)) {
      term.note = `missing: needs ${name} from run and baseline and ${name === "accY" ? "chanceY" : `${name}_fresh`}`;
    } else if (!(denominator >= MIN_DENOMINATOR)) {
      term.note = `not informative: baseline − fresh = ${denominator.toFixed(4)} < ${MIN_DENOMINATOR}`;
    } else {
      term.leak = clip01((value - fresh) / denominator);
      term.informative = true;
      informative.push(name);
    }
    components[name] = term;
  }
  const retainDen = base.accX - chance.x;
  const retainX = retainDen > 0 ? clip01((run.accX - chance.x) / retainDen) : Number.NaN;
  const leakY = informative.length ? Math.max(...informative.map((n) => components[n]?.leak ?? 0)) : Number.NaN;
  const result: ScoreResult = { score: retainX * (1 - leakY), retainX, leakY, components, informative };
  if (!(retainDen > 0)) {
    result.note = `the baseline does not beat chance on X (accX_base ${base.accX} ≤ chanceX ${chance.x}): retainX is undefined`;
  } else if (!informative.length) {
    result.note =
      "no informative leak component: the baseline is within 0.05 of fresh on every Y measure, so this pair at this budget cannot tell antilearning from doing nothing";
  }
  return result;
}

/**
 * The baseline config for a run: the same task, model, training budget, eval
 * config and seed, technique `baseline`. Re-resolved so that defaults added
 * since the run was recorded are filled in the same way as for a new run.
 */
export function baselineConfigFor(record: RunRecord): RunConfig {
  const c = record.config as unknown as PartialRunConfig & Record<string, unknown>;
  return resolveRunConfig({
    task: c.task,
    model: c.model,
    train: c.train,
    eval: c.eval,
    seed: record.seed,
    technique: { name: "baseline" },
  });
}

/**
 * How to name and run a config. Passed in (the CLI gives `runId` and
 * `executeRun` from src/run) because evaluations sit below the run pipeline
 * and must not import it.
 */
export interface BaselineRunner {
  runId(config: RunConfig): string;
  execute(config: RunConfig): Promise<RunRecord>;
}

/** Options of `findOrCreateBaseline` and `scoreRun`. */
export interface BaselineOptions {
  runner: BaselineRunner;
  /** Train and store the baseline when the store has none (default false). */
  create?: boolean;
  /** Called before a missing baseline is trained (progress messages). */
  onCreate?: (id: string) => void;
}

const baselineCache = new Map<string, RunRecord>();

/**
 * Find the baseline reference record for `record` in the store (by run id,
 * which is the hash of the baseline config), or, with `create`, train and
 * evaluate it now and store it. Cached in memory by run id as well, so a
 * suite scoring many techniques against one baseline reads it once.
 * @throws ConfigError if it is missing and `create` is false, or if it failed.
 */
export async function findOrCreateBaseline(
  record: RunRecord,
  store: ResultStore,
  opts: BaselineOptions,
): Promise<RunRecord> {
  const config = baselineConfigFor(record);
  const id = opts.runner.runId(config);
  if (id === record.id) return record;
  const cached = baselineCache.get(id);
  if (cached) return cached;
  let base = store.find(id);
  if (!base) {
    if (!opts.create) {
      throw new ConfigError(
        `no baseline run ${id} for run ${record.id} in ${store.path}; run it with the same task, model, train, eval and seed and --technique baseline, or allow creating it`,
      );
    }
    opts.onCreate?.(id);
    base = await opts.runner.execute(config);
    store.put(base);
  }
  if (base.status !== "ok") throw new ConfigError(`baseline run ${id} failed (${base.error}); cannot score against it`);
  baselineCache.set(id, base);
  return base;
}

/** Score a recorded run against its baseline (found or created in the store). */
export async function scoreRun(
  record: RunRecord,
  store: ResultStore,
  opts: BaselineOptions,
): Promise<ScoreResult & { baselineId: string }> {
  const base = await findOrCreateBaseline(record, store, opts);
  return { ...computeScore(record.metrics, base.metrics, record.chance), baselineId: base.id };
}
