import { type PartialRunConfig, type RunConfig, resolveRunConfig } from "../../config/run-config.js";
import { type BackendChoice, initBackend } from "../../engine/backend.js";
import { scoreRun } from "../../eval/score.js";
import { executeRun, runId } from "../../run/execute.js";
import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import type { RunRecord } from "../../store/types.js";
import { ConfigError } from "../../util/errors.js";
import { COMMON_OPTIONS, intFlag, parseFlags } from "../args.js";
import { num, summarize } from "../format.js";
import { Progress } from "../progress.js";

export const EVAL_HELP = `antilearn eval RUN_ID [--probe] [--relearn] [--interp] [--score] [options]

Re-evaluate a recorded run and store the results in its record.

The trained model is rebuilt by training again from the record's config:
runs are bit-reproducible on the same backend and thread count, so the
record's backend and threads are used unless --backend/--threads say
otherwise. The retrained model's X.test and Y.test numbers are compared with
the record's; a mismatch is reported (and noted in the record) because the
new evaluations would then describe a different model. Evaluation budgets
come from the record's eval config (defaults filled in for keys it lacks).

  --probe             run the linear probes
  --relearn           run the relearning attack
  --interp            run irreps / Fourier analysis
                      (none of the three: all three)
  --score             also score the run against its baseline (protocol §4),
                      training the baseline and storing it if the store has none
  --backend B         default: the record's backend
  --threads N         default: the record's thread count
  --db PATH           results store (default: ANTILEARN_DB or .antilearn/results.db)
  --json              print the updated record as JSON on stdout
`;

const STAGES = ["probe", "relearn", "interp"] as const;
const BEHAVIOUR = ["accX", "lossX", "accY", "lossY"] as const;

/** The record's config with defaults added since it was recorded, and only the chosen stages on. */
function evalConfigFor(record: RunRecord, stages: readonly (typeof STAGES)[number][]): RunConfig {
  const c = resolveRunConfig(record.config as unknown as PartialRunConfig);
  for (const s of STAGES) c.eval[s] = stages.includes(s);
  return c;
}

/** Merge a re-evaluation into the stored record: new stage results replace old ones. */
function merge(record: RunRecord, fresh: RunRecord, stages: readonly string[]): RunRecord {
  const metrics = { ...record.metrics };
  for (const [k, v] of Object.entries(fresh.metrics)) {
    if (!(BEHAVIOUR as readonly string[]).includes(k)) metrics[k] = v;
  }
  const extra: Record<string, unknown> = { ...record.extra };
  for (const s of stages) if (s in fresh.extra) extra[s] = fresh.extra[s];
  const oldStages = (record.extra.evalTiming ?? {}) as Record<string, number>;
  const newStages = (fresh.extra.evalTiming ?? {}) as Record<string, number>;
  const evalTiming: Record<string, number> = { ...oldStages };
  for (const s of stages) evalTiming[`${s}Ms`] = newStages[`${s}Ms`] ?? 0;
  const sum = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  extra.evalTiming = evalTiming;
  const history = Array.isArray(record.extra.evaluations) ? [...record.extra.evaluations] : [];
  history.push({ at: new Date().toISOString(), stages, backend: fresh.backend, threads: fresh.threads });
  extra.evaluations = history;
  return {
    ...record,
    metrics,
    extra,
    // evalMs = behaviour checkpoints (unchanged) + the stages as they now stand.
    timing: { ...record.timing, evalMs: record.timing.evalMs - sum(oldStages) + sum(evalTiming) },
  };
}

/** `antilearn eval`: returns the process exit code (0 ok, 1 the re-run failed). */
export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("eval", {
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      backend: { type: "string" },
      probe: { type: "boolean", default: false },
      relearn: { type: "boolean", default: false },
      interp: { type: "boolean", default: false },
      score: { type: "boolean", default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stdout.write(EVAL_HELP);
    return values.help ? 0 : 2;
  }
  const chosen = STAGES.filter((s) => values[s]);
  const stages = chosen.length ? chosen : [...STAGES];
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const store = new ResultStore(resolveDbPath(values.db));
  try {
    const record = store.get(positionals[0]);
    if (record.status !== "ok") {
      throw new ConfigError(`run ${record.id} failed (${record.error}); there is no trained model to evaluate`);
    }
    const config = evalConfigFor(record, stages);
    const backendName = (values.backend ?? record.backend) as BackendChoice;
    const backend = await initBackend(backendName, intFlag("threads", values.threads, 1) ?? record.threads);
    log(`backend: ${backend.name} (${backend.threads} thread${backend.threads === 1 ? "" : "s"})`);
    if (backend.name !== record.backend || backend.threads !== record.threads) {
      log(
        `antilearn eval: the run was recorded on ${record.backend} with ${record.threads} thread(s); retraining on another setup may not reproduce it bit for bit`,
      );
    }
    log(`eval ${record.id}: retraining ${config.train.steps} steps, then ${stages.join(", ")}`);
    const progress = new Progress(`${config.technique.name} (retrain)`);
    let evalStarted = false;
    const fresh = await executeRun(config, {
      onProgress: (e) => progress.update(e.step, e.steps, { loss: e.metrics.lossX }, e.curve !== undefined),
      onEvalProgress: (m) => {
        if (!evalStarted) progress.done();
        evalStarted = true;
        log(m);
      },
    });
    if (!evalStarted) progress.done();
    if (fresh.status !== "ok") {
      log(`antilearn eval: the retrained run failed: ${fresh.error}`);
      return 1;
    }
    let updated = merge(record, fresh, stages);
    const differs = BEHAVIOUR.filter((k) => fresh.metrics[k] !== record.metrics[k]);
    if (differs.length) {
      log(
        `antilearn eval: warning: the retrained model differs from the recorded one (${differs
          .map((k) => `${k} ${num(record.metrics[k])} → ${num(fresh.metrics[k])}`)
          .join(", ")}); its evaluations describe the retrained model`,
      );
      updated.extra.evalReproduced = false;
    } else {
      updated.extra.evalReproduced = true;
    }
    if (values.score) {
      const s = await scoreRun(updated, store, {
        runner: { runId, execute: (c) => executeRun(c, { onEvalProgress: log }) },
        create: true,
        onCreate: (id) => log(`antilearn eval: no baseline run in the store; training it now (${id})`),
      });
      updated = {
        ...updated,
        metrics: { ...updated.metrics, score: s.score, retainX: s.retainX, leakY: s.leakY },
        extra: { ...updated.extra, score: s },
      };
      log(
        `score ${num(s.score)}  retainX ${num(s.retainX)}  leakY ${num(s.leakY)} (${s.informative.join(", ") || "no informative component"})${s.note ? `: ${s.note}` : ""}`,
      );
    }
    store.put(updated);
    log(`recorded in ${store.path}`);
    process.stdout.write(values.json ? `${JSON.stringify(updated)}\n` : `${summarize(updated)}\n`);
    return 0;
  } finally {
    store.close();
  }
}
