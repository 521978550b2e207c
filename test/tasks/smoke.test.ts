import { beforeAll, describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { models } from "../../src/models/index.js";
import { executeRun } from "../../src/run/execute.js";
import { tasks } from "../../src/tasks/index.js";
import { fastBackend } from "../helpers.js";

/** Tiny data per pair, so that a run costs well under a second (MNIST loading aside). */
const TINY_TASK: Record<string, string[]> = {
  "rotated-mnist": ["task.xTrain=64", "task.xTest=32", "task.yAccess=16", "task.yTest=32", "task.yRelearn=16"],
  shapes: ["task.xTrain=64", "task.xTest=32", "task.yAccess=16", "task.yTest=32", "task.yRelearn=16"],
  modular: ["task.P_X=[3,5]", "task.P_Y=[7]"],
  subgroups: [],
  "a5-s5": [],
};

/** Tiny models, by architecture (keys that architecture's schema accepts). */
const TINY_MODEL: Record<string, string[]> = {
  "embed-mlp": ["model.dEmbed=8", "model.dHidden=16"],
  transformer: ["model.dModel=16", "model.nHeads=2", "model.dHead=8", "model.dMlp=32"],
  cnn: ["model.channels=[4,8]", "model.dDense=16"],
  mlp: ["model.hidden=[16]"],
};

const STEPS = 3;
/** The whole evaluation pipeline (probes, relearning, interp) runs, on token budgets. */
const TINY_EVAL = [
  "eval.probeSteps=2",
  "eval.probeMaxExamples=64",
  "eval.relearnSteps=2",
  "eval.relearnK=[16]",
  "eval.relearnEvalEvery=1",
  "eval.relearnBatchSize=16",
];

describe("every registered task pair trains with the baseline on each of its models", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("covers every pair in the registry", () => {
    // A new pair must add its tiny config here (else this smoke test would build it at full size).
    expect(tasks.names().filter((n) => !(n in TINY_TASK))).toEqual([]);
  });

  for (const pair of tasks.list()) {
    const archs = [...new Set([pair.defaultModel, ...(pair.models ?? [])])];
    for (const arch of archs) {
      it(`${pair.name} × baseline × ${arch}`, async () => {
        expect(models.has(arch), `model '${arch}' of ${pair.name} is not registered`).toBe(true);
        const config = resolveRunConfig(
          applySets({ task: { name: pair.name }, technique: { name: "baseline" }, model: { name: arch } }, [
            ...(TINY_TASK[pair.name] ?? []),
            ...(TINY_MODEL[arch] ?? []),
            `train.steps=${STEPS}`,
            "train.batchSize=16",
            "train.evalEvery=100",
            ...TINY_EVAL,
          ]),
        );
        const r = await executeRun(config);
        expect(r.status, r.error).toBe("ok");
        expect(r.steps).toBe(STEPS);
        expect(r.log.lossX).toHaveLength(STEPS);
        expect(r.log.lossX.every(Number.isFinite)).toBe(true);
        for (const k of ["accX", "accY"]) {
          expect(r.metrics[k]).toBeGreaterThanOrEqual(0);
          expect(r.metrics[k]).toBeLessThanOrEqual(1);
        }
        expect(r.extra.tensorsLeaked).toBe(0);
        expect(r.chance.x).toBeGreaterThan(0);
      });
    }
  }
});
