import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applySets, type RunConfig, resolveRunConfig } from "../../src/config/run-config.js";
import { baselineConfigFor, computeScore, findOrCreateBaseline, scoreRun } from "../../src/eval/score.js";
import { runId } from "../../src/run/execute.js";
import { ResultStore } from "../../src/store/sqlite.js";
import type { RunRecord } from "../../src/store/types.js";

const chance = { x: 0.1, y: 0.1 };
const base = { accX: 0.9, accY: 0.6, probeY: 0.8, probeY_fresh: 0.3, relearnY: 0.7, relearnY_fresh: 0.2 };

describe("computeScore (protocol §4)", () => {
  it("matches a hand-computed case", () => {
    const run = { accX: 0.5, accY: 0.1, probeY: 0.55, probeY_fresh: 0.3, relearnY: 0.575, relearnY_fresh: 0.2 };
    const s = computeScore(run, base, chance);
    // retainX = (0.5 − 0.1) / (0.9 − 0.1) = 0.5
    expect(s.retainX).toBeCloseTo(0.5, 12);
    // accY: (0.1 − 0.1)/(0.6 − 0.1) = 0; probeY: (0.55 − 0.3)/(0.8 − 0.3) = 0.5; relearnY: (0.575 − 0.2)/(0.7 − 0.2) = 0.75
    expect(s.components.accY?.leak).toBeCloseTo(0, 12);
    expect(s.components.probeY?.leak).toBeCloseTo(0.5, 12);
    expect(s.components.relearnY?.leak).toBeCloseTo(0.75, 12);
    expect(s.informative).toEqual(["accY", "probeY", "relearnY"]);
    expect(s.leakY).toBeCloseTo(0.75, 12);
    expect(s.score).toBeCloseTo(0.5 * 0.25, 12);
  });

  it("clips each term to [0, 1]", () => {
    const run = { accX: 0.95, accY: 0.05, probeY: 0.9, probeY_fresh: 0.3, relearnY: 0.1, relearnY_fresh: 0.2 };
    const s = computeScore(run, base, chance);
    expect(s.retainX).toBe(1); // better than the baseline on X
    expect(s.components.accY?.leak).toBe(0); // below chance
    expect(s.components.probeY?.leak).toBe(1); // above the baseline
    expect(s.components.relearnY?.leak).toBe(0); // below fresh
    expect(s.leakY).toBe(1);
    expect(s.score).toBe(0);
  });

  it("reports uninformative components (denominator < 0.05) and leaves them out", () => {
    // accY_base − chanceY = 0.02, probeY_base − fresh = 0.04: both out; relearn is informative.
    const b = { ...base, accY: 0.12, probeY: 0.34 };
    const run = { accX: 0.9, accY: 0.12, probeY: 0.34, probeY_fresh: 0.3, relearnY: 0.3, relearnY_fresh: 0.2 };
    const s = computeScore(run, b, chance);
    expect(s.components.accY?.informative).toBe(false);
    expect(s.components.accY?.denominator).toBeCloseTo(0.02, 12);
    expect(s.components.accY?.note).toMatch(/not informative/);
    expect(s.components.probeY?.informative).toBe(false);
    expect(s.informative).toEqual(["relearnY"]);
    expect(s.leakY).toBeCloseTo(0.2, 12); // (0.3 − 0.2)/(0.7 − 0.2)
    expect(s.score).toBeCloseTo(0.8, 12);
    // A negative denominator (baseline below fresh) is not informative either.
    const neg = computeScore(run, { ...b, relearnY: 0.1 }, chance);
    expect(neg.components.relearnY?.informative).toBe(false);
    expect(neg.informative).toEqual([]);
    expect(neg.score).toBeNaN();
    expect(neg.note).toMatch(/no informative leak component/);
  });

  it("the baseline scores 0 against itself", () => {
    const s = computeScore(base, base, chance);
    expect(s.retainX).toBe(1);
    expect(s.leakY).toBe(1);
    expect(s.score).toBe(0);
  });

  it("uses the baseline's fresh values when the run has none, and skips components nobody measured", () => {
    const run = { accX: 0.9, accY: 0.1, probeY: 0.55 };
    const s = computeScore(run, { accX: 0.9, accY: 0.6, probeY: 0.8, probeY_fresh: 0.3 }, chance);
    expect(s.components.probeY?.fresh).toBe(0.3);
    expect(s.components.relearnY).toBeUndefined();
    expect(s.leakY).toBeCloseTo(0.5, 12);
  });

  it("retainX is undefined when the baseline does not beat chance on X", () => {
    const s = computeScore({ accX: 0.5, accY: 0.1 }, { accX: 0.1, accY: 0.6 }, chance);
    expect(s.retainX).toBeNaN();
    expect(s.score).toBeNaN();
    expect(s.note).toMatch(/does not beat chance on X/);
  });
});

/** A record for `config` with the given metrics (no training: the helper only reads records). */
function fakeRecord(config: RunConfig, metrics: Record<string, number>): RunRecord {
  return {
    id: runId(config),
    status: "ok",
    config: config as unknown as RunRecord["config"],
    seed: config.seed,
    backend: "cpu",
    threads: 1,
    versions: {},
    metrics,
    chance: { x: 0.1, y: 0.1 },
    steps: config.train.steps,
    log: {},
    curves: {},
    extra: {},
    timing: { buildMs: 0, trainMs: 0, evalMs: 0, totalMs: 0 },
    createdAt: new Date().toISOString(),
  };
}

describe("findOrCreateBaseline", () => {
  const cfg = (technique: string, sets: string[] = []) =>
    resolveRunConfig(
      applySets({ task: { name: "a5-s5" }, technique: { name: technique }, seed: 2 }, ["train.steps=7", ...sets]),
    );

  it("finds the baseline with the same task, model, budget, eval config and seed; creates it once if asked", async () => {
    const store = new ResultStore(join(mkdtempSync(join(tmpdir(), "antilearn-score-")), "r.db"));
    const run = fakeRecord(cfg("uniform-labels", ["eval.probe=false"]), {
      accX: 0.5,
      accY: 0.1,
      relearnY: 0.575,
      relearnY_fresh: 0.2,
    });
    const expected = cfg("baseline", ["eval.probe=false"]);
    expect(baselineConfigFor(run)).toEqual(expected);
    const executed: string[] = [];
    const runner = {
      runId,
      execute: async (c: RunConfig) => {
        executed.push(runId(c));
        return fakeRecord(c, { accX: 0.9, accY: 0.6, relearnY: 0.7, relearnY_fresh: 0.2 });
      },
    };
    await expect(findOrCreateBaseline(run, store, { runner })).rejects.toThrow(/no baseline run [0-9a-f]{16} for run/);
    const s = await scoreRun(run, store, { runner, create: true });
    expect(executed).toEqual([runId(expected)]);
    expect(s.baselineId).toBe(runId(expected));
    expect(store.find(runId(expected))?.metrics.accX).toBe(0.9); // stored
    // retainX 0.5, leak max(accY 0, relearnY 0.75) → 0.125, as in the hand-computed case above
    expect(s.score).toBeCloseTo(0.125, 12);
    // Found again (cache and store): not retrained.
    await scoreRun(run, store, { runner, create: true });
    expect(executed).toHaveLength(1);
    // Another seed has another baseline.
    const other = fakeRecord(cfg("uniform-labels", ["eval.probe=false"]), { accX: 0.5 });
    other.seed = 3;
    other.config = { ...other.config, seed: 3 } as RunRecord["config"];
    expect(runId(baselineConfigFor(other))).not.toBe(runId(expected));
    store.close();
  });
});
