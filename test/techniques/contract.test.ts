import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { Rng } from "../../src/engine/rng.js";
import { executeRun } from "../../src/run/execute.js";
import { tasks } from "../../src/tasks/index.js";
import { techniques } from "../../src/techniques/index.js";
import type { Technique } from "../../src/techniques/types.js";
import { fastBackend } from "../helpers.js";

/**
 * The contract every registered technique (present and future) must keep
 * (protocol §1, §2): it trains on every pair it does not declare `notFor`
 * without reading Y.test or Y.relearn (and Y.access only with `usesY`) —
 * the pipeline's guarded task throws SplitAccessError on any such read, so
 * a run that ends `ok` never touched them — and its hyperparameter schema
 * and samplers agree.
 */

/** Tiny data per pair (as in test/tasks/smoke.test.ts), so a run costs well under a second. */
const TINY_TASK: Record<string, string[]> = {
  "rotated-mnist": ["task.xTrain=64", "task.xTest=32", "task.yAccess=16", "task.yTest=32", "task.yRelearn=16"],
  shapes: ["task.xTrain=64", "task.xTest=32", "task.yAccess=16", "task.yTest=32", "task.yRelearn=16"],
  modular: ["task.P_X=[3,5]", "task.P_Y=[7]"],
  subgroups: [],
  "a5-s5": [],
};

/** Tiny models, by architecture. */
const TINY_MODEL: Record<string, string[]> = {
  "embed-mlp": ["model.dEmbed=8", "model.dHidden=16"],
  transformer: ["model.dModel=16", "model.nHeads=2", "model.dHead=8", "model.dMlp=32"],
  cnn: ["model.channels=[4,8]", "model.dDense=16"],
  mlp: ["model.hidden=[16]"],
};

const STEPS = 4;

function tinyRun(technique: string, task: string, arch: string, extra: string[] = []) {
  return resolveRunConfig(
    applySets({ task: { name: task }, technique: { name: technique }, model: { name: arch } }, [
      ...(TINY_TASK[task] ?? []),
      ...(TINY_MODEL[arch] ?? []),
      `train.steps=${STEPS}`,
      "train.batchSize=16",
      "train.evalEvery=2",
      // The contract is about training; the evaluation suite has its own tests.
      "eval.probe=false",
      "eval.relearn=false",
      "eval.interp=false",
      ...extra,
    ]),
  );
}

describe("technique contract", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("covers every task pair in the registry", () => {
    // A new pair must add its tiny config here (else the runs below would build it at full size).
    expect(tasks.names().filter((n) => !(n in TINY_TASK))).toEqual([]);
  });

  for (const tech of techniques.list()) {
    describe(tech.name, () => {
      it("has a strict hparams schema whose defaults parse from {}, prefixed by the technique's name", () => {
        expect(tech.hparams).toBeInstanceOf(z.ZodObject);
        const parsed = tech.hparams.parse({}) as Record<string, unknown>;
        const keys = Object.keys((tech.hparams as z.ZodObject).shape);
        expect(Object.keys(parsed).every((k) => keys.includes(k))).toBe(true);
        expect(() => tech.hparams.parse({ notAKey: 1 })).toThrow();
        // architecture.md: hyperparameters are prefixed by the technique (camel-cased, any abbreviation of its words).
        const initials = tech.name.split("-").map((w) => w[0]);
        for (const k of keys) expect(k[0], `${tech.name}.${k}`).toBe(initials[0]);
        expect(tech.source.length).toBeGreaterThan(0);
        for (const [task, why] of Object.entries(tech.notFor ?? {})) {
          expect(tasks.has(task), `notFor names unknown task ${task}`).toBe(true);
          expect(why.length).toBeGreaterThan(10);
        }
      });

      it("samplers only name schema keys and draw values the schema accepts", () => {
        const keys = Object.keys((tech.hparams as z.ZodObject).shape);
        const rng = new Rng(7);
        for (const [key, sampler] of Object.entries(tech.samplers)) {
          expect(keys).toContain(key);
          for (let i = 0; i < 25; i++) {
            const v = (sampler as (r: Rng) => unknown)(rng);
            const r = tech.hparams.safeParse({ [key]: v });
            expect(r.success, `${tech.name}.${key} sampled ${JSON.stringify(v)}`).toBe(true);
          }
        }
      });

      for (const pair of tasks.list()) {
        const why = tech.notFor?.[pair.name];
        const archs = [...new Set([pair.defaultModel, ...(pair.models ?? [])])];
        for (const arch of archs) {
          it.skipIf(why !== undefined)(
            `${pair.name} × ${arch}: trains within the budget without touching forbidden splits`,
            async () => {
              const r = await executeRun(tinyRun(tech.name, pair.name, arch));
              expect(r.status, r.error).toBe("ok");
              expect(r.error).toBeUndefined();
              expect(r.steps).toBeLessThanOrEqual(STEPS);
              expect(r.log.step.filter((s, i) => Number.isFinite(r.log.lossX[i]) && s > 0).length).toBeLessThanOrEqual(
                STEPS,
              );
              expect(r.extra.tensorsLeaked).toBe(0);
            },
          );
        }
      }

      if (tech.usesY) {
        it("declares usesY because it really reads Y.access (the same technique without it is refused)", async () => {
          const name = `${tech.name}--no-y`;
          if (!techniques.has(name)) techniques.register({ ...(tech as Technique), name, usesY: false });
          const r = await executeRun(tinyRun(name, "a5-s5", "embed-mlp"));
          expect(r.status).toBe("failed");
          expect(r.error).toMatch(/SplitAccessError: technique '.*--no-y' read split Y.access/);
        });
      }
    });
  }
});
