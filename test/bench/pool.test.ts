import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makePlan } from "../../src/bench/plan.js";
import { type PoolEvent, WorkerPool } from "../../src/bench/pool.js";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import type { BackendChoice } from "../../src/engine/backend.js";
import { executeRun } from "../../src/run/execute.js";
import type { RunRecord } from "../../src/store/types.js";
import { fastBackend } from "../helpers.js";
import "./fixtures/crash-plugin.js";

const PLUGIN = join(import.meta.dirname, "fixtures", "crash-plugin.ts");
const dir = mkdtempSync(join(tmpdir(), "antilearn-pool-"));
const TINY = [
  "model.dEmbed=16",
  "model.dHidden=32",
  "train.steps=10",
  "train.evalEvery=5",
  "eval.probe=false",
  "eval.relearn=false",
  "eval.interp=false",
];
const tiny = (
  seed: number,
  technique: Record<string, unknown> & { name: string } = { name: "baseline" },
  sets: string[] = [],
) => resolveRunConfig(applySets({ task: { name: "a5-s5" }, technique, seed }, [...TINY, ...sets]));

let backend: BackendChoice;

async function runAll(plan: ReturnType<typeof makePlan>, workers: number, events: PoolEvent[] = []) {
  const pool = new WorkerPool({ workers, backend, imports: [PLUGIN], onEvent: (e) => events.push(e) });
  const records: RunRecord[] = [];
  const result = await pool.run(plan.runs, (r) => records.push(r));
  return { result, records, events };
}

describe("WorkerPool", () => {
  beforeAll(async () => {
    backend = (await fastBackend()) as BackendChoice;
  });

  it("runs a plan on two worker processes; each record equals the same run done in-process", async () => {
    const plan = makePlan("p", "sweep", {}, [tiny(0), tiny(1), tiny(0, { name: "baseline" }, ["train.lr=0.01"])]);
    const { result, records, events } = await runAll(plan, 2);
    expect(result.recorded).toBe(3);
    expect(records.map((r) => r.id).sort()).toEqual(plan.runs.map((r) => r.id).sort());
    const workers = events.filter((e) => e.type === "worker");
    expect(workers).toHaveLength(2);
    expect(new Set(workers.map((e) => (e.type === "worker" ? e.pid : 0))).size).toBe(2);
    for (const w of workers) if (w.type === "worker") expect([w.backend, w.threads]).toEqual([backend, 1]);
    const local = await executeRun(plan.runs[0].config);
    const remote = records.find((r) => r.id === plan.runs[0].id) as RunRecord;
    expect(remote.status).toBe("ok");
    expect(remote.steps).toBe(10);
    for (const k of ["accX", "accY", "lossX", "lossY"]) expect(remote.metrics[k]).toBeCloseTo(local.metrics[k], 6);
    expect(remote.curves.step).toEqual([0, 5, 10]);
  });

  it("retries a run whose worker crashed once; records it as failed, with the reason, after a second crash", async () => {
    const once = tiny(0, { name: "test-crash", testCrashMarker: join(dir, "once") });
    const always = tiny(0, { name: "test-crash", testCrashMarker: join(dir, "always"), testCrashAlways: true });
    const plan = makePlan("c", "sweep", {}, [once, always]);
    const { records, events } = await runAll(plan, 2);
    const byId = new Map(records.map((r) => [r.id, r]));
    const ok = byId.get(plan.runs[0].id) as RunRecord;
    expect(ok.status).toBe("ok");
    expect(ok.metrics.accX).toBeCloseTo((await executeRun(tiny(0))).metrics.accX, 6); // trains like the baseline
    const bad = byId.get(plan.runs[1].id) as RunRecord;
    expect(bad.status).toBe("failed");
    expect(bad.error).toMatch(
      /worker crashed \(signal SIGKILL\) on attempt 2; its last stderr: test-crash: about to die/,
    );
    expect(bad.config.technique).toMatchObject({ name: "test-crash", testCrashAlways: true });
    const crashes = events.filter((e) => e.type === "crash") as Extract<PoolEvent, { type: "crash" }>[];
    expect(crashes.map((c) => [c.id === plan.runs[0].id ? "once" : "always", c.retry]).sort()).toEqual([
      ["always", false],
      ["always", true],
      ["once", true],
    ]);
  });

  it("stop() finishes the running run and starts no more; abandon() records nothing", async () => {
    const plan = makePlan("s", "sweep", {}, [tiny(10), tiny(11), tiny(12)]);
    const pool = new WorkerPool({ workers: 1, backend, onEvent: (e) => e.type === "start" && pool.stop() });
    const records: RunRecord[] = [];
    const r = await pool.run(plan.runs, (x) => records.push(x));
    expect(records.map((x) => x.id)).toEqual([plan.runs[0].id]);
    expect(records[0].status).toBe("ok");
    expect(r.notStarted).toEqual([plan.runs[1].id, plan.runs[2].id]);

    const pool2 = new WorkerPool({ workers: 1, backend, onEvent: (e) => e.type === "start" && pool2.abandon() });
    const records2: RunRecord[] = [];
    const r2 = await pool2.run(plan.runs, (x) => records2.push(x));
    expect(records2).toEqual([]);
    expect(r2.abandoned).toEqual([plan.runs[0].id]);
    expect(r2.notStarted).toHaveLength(2);
  });

  it("a worker that cannot start (bad plugin) fails the pool with the reason", async () => {
    const pool = new WorkerPool({ workers: 1, backend, imports: [join(dir, "missing-plugin.js")] });
    await expect(pool.run(makePlan("x", "sweep", {}, [tiny(0)]).runs, () => {})).rejects.toThrow(
      /a bench worker could not start: .*missing-plugin/,
    );
  });
});
