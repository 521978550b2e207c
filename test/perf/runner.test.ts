import { describe, expect, it } from "vitest";
import { fmtMs, fmtRatio, formatMarkdown, formatText } from "../../src/perf/format.js";
import type { PerfReport } from "../../src/perf/measure.js";
import { aggregateKernels } from "../../src/perf/profile.js";
import { BlockTimer, calibrateSteps, median, ratio, timeSession, timingOf } from "../../src/perf/runner.js";
import type { PerfSession } from "../../src/perf/types.js";
import { NumericalError } from "../../src/util/errors.js";

/** A session whose k-th step returns 10 − k (no tensors involved). */
function fakeSession(lossAt: (k: number) => number = (k) => 10 - k): PerfSession & { calls: number } {
  const s = {
    calls: 0,
    model: undefined as unknown as PerfSession["model"], // never read by the timer
    params: 7,
    step() {
      s.calls += 1;
      return lossAt(s.calls);
    },
    dispose() {},
  };
  return s;
}

describe("timing arithmetic", () => {
  it("median: middle value, mean of the middle two for even counts, order-free", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(() => median([])).toThrow(/empty/);
  });

  it("ratio is tfjs ÷ torch, null when a side is missing or not positive", () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(3, 12)).toBe(0.25);
    expect(ratio(10, undefined)).toBeNull();
    expect(ratio(null, 4)).toBeNull();
    expect(ratio(10, 0)).toBeNull();
    expect(ratio(Number.NaN, 4)).toBeNull();
  });

  it("calibrateSteps aims at the target block length within [1, max]", () => {
    expect(calibrateSteps(50, 1000, 200)).toBe(20);
    expect(calibrateSteps(300, 1000, 200)).toBe(3); // 3.33 rounds to 3
    expect(calibrateSteps(5000, 1000, 200)).toBe(1);
    expect(calibrateSteps(0.1, 1000, 200)).toBe(200);
    expect(calibrateSteps(0, 1000, 200)).toBe(200);
  });

  it("timeSession: warm-up steps, then blocks × stepsPerBlock steps; losses first and last", () => {
    const s = fakeSession();
    const t = timeSession(s, {
      blocks: 3,
      stepsPerBlock: 4,
      warmupSteps: 2,
      targetBlockMs: 1000,
      maxStepsPerBlock: 200,
    });
    expect(s.calls).toBe(2 + 3 * 4);
    expect(t.blockMs).toHaveLength(3);
    expect(t.stepsPerBlock).toBe(4);
    expect(t.firstLoss).toBe(9);
    expect(t.lastLoss).toBe(10 - 14);
    expect(t.msPerStep).toBe(median(t.blockMs));
  });

  it("warmupMs keeps warming past warmupSteps until that much time passed, and calibrates from the warmest step", () => {
    let clock = 0;
    const s = fakeSession();
    // Steps get faster as they warm: 400, 300, 200, 100, 100, … ms.
    const warming = {
      ...s,
      step: () => {
        clock += Math.max(100, 400 - 100 * s.calls);
        return s.step();
      },
    };
    const timer = new BlockTimer(warming, () => clock);
    timer.warmup({ blocks: 1, warmupSteps: 2, warmupMs: 1000, targetBlockMs: 1000, maxStepsPerBlock: 200 });
    // 400 + 300 + 200 + 100 = 1000 ms after 4 steps.
    expect(timer.warmupSteps).toBe(4);
    expect(timer.stepsPerBlock).toBe(10); // from the last step's 100 ms, not the 250 ms average
    const capped = new BlockTimer(warming, () => clock);
    capped.warmup({
      blocks: 1,
      warmupSteps: 1,
      warmupMs: 1e9,
      budgetMs: 2000,
      targetBlockMs: 1000,
      maxStepsPerBlock: 200,
    });
    expect(capped.spentMs).toBeGreaterThanOrEqual(500); // stopped at a quarter of the budget
    expect(capped.spentMs).toBeLessThan(700);
  });

  it("the time budget cuts warm-up at a quarter, stops blocks that would overrun; a warm-up past it is the measurement", () => {
    let clock = 0;
    const s = fakeSession();
    const slow = {
      ...s,
      step: () => {
        clock += 10; // every step takes 10 ms
        return s.step();
      },
    };
    const opts = { blocks: 5, stepsPerBlock: 3, warmupSteps: 4, targetBlockMs: 1000, maxStepsPerBlock: 200 };
    // budget 100 ms: warm-up stops at 30 ≥ 25 ms (3 steps); blocks of 30 ms end at 60, 90; a third would end at 120
    const t = new BlockTimer(slow, () => clock);
    t.warmup({ ...opts, budgetMs: 100 });
    expect(t.warmupSteps).toBe(3);
    expect(t.warmupMsPerStep).toBe(10);
    while (t.wantsBlock({ ...opts, budgetMs: 100 })) t.block();
    expect(t.blockMs).toEqual([10, 10]);
    expect(t.spentMs).toBe(90);
    // a budget smaller than one step: one warm-up step, no block; the warm-up is the measurement
    const tiny = new BlockTimer(slow, () => clock);
    tiny.warmup({ ...opts, budgetMs: 1 });
    while (tiny.wantsBlock({ ...opts, budgetMs: 1 })) tiny.block();
    expect([tiny.warmupSteps, tiny.blockMs.length]).toEqual([1, 0]);
    expect(timingOf(tiny)).toMatchObject({ msPerStep: 10, warmupOnly: true, blockMs: [] });
    // a budget between one and two steps: one warm-up step (10 ≥ 15/4) and one block
    const short = new BlockTimer(slow, () => clock);
    short.warmup({ ...opts, budgetMs: 15 });
    while (short.wantsBlock({ ...opts, budgetMs: 15 })) short.block();
    expect([short.warmupSteps, short.blockMs.length]).toEqual([1, 1]);
    expect(timingOf(short).warmupOnly).toBeUndefined();
    // no budget: everything asked for
    const all = new BlockTimer(slow, () => clock);
    all.warmup(opts);
    while (all.wantsBlock(opts)) all.block();
    expect([all.warmupSteps, all.blockMs.length]).toEqual([4, 5]);
  });

  it("a non-finite loss stops timing with a NumericalError naming the step", () => {
    const timer = new BlockTimer(fakeSession((k) => (k === 3 ? Number.NaN : 1)));
    timer.warmup({ blocks: 1, stepsPerBlock: 5, warmupSteps: 1, targetBlockMs: 1000, maxStepsPerBlock: 200 });
    expect(() => timer.block()).toThrow(NumericalError);
    const inf = new BlockTimer(fakeSession(() => Number.POSITIVE_INFINITY));
    expect(() => inf.block()).toThrow(/call warmup\(\) first/);
    inf.warmup({ blocks: 1, stepsPerBlock: 1, warmupSteps: 0, targetBlockMs: 1000, maxStepsPerBlock: 200 });
    expect(() => inf.block()).toThrow(/loss is Infinity at step 1/);
  });
});

describe("kernel profile aggregation", () => {
  it("sums per kernel per step, drops non-kernels, and accounts the rest as outside time", () => {
    const calls = [
      { name: "BatchMatMul", ms: 6 },
      { name: "BatchMatMul", ms: 4 },
      { name: "Relu", ms: 2 },
      { name: "softmaxCrossEntropy", ms: 9 }, // custom-grad scope: contains kernels already counted
      { name: "BatchMatMul", ms: 10 },
      { name: "Relu", ms: 2 },
    ];
    const p = aggregateKernels(calls, 2, 40, (n) => n !== "softmaxCrossEntropy");
    expect(p.wallMsPerStep).toBe(20);
    expect(p.kernels.map((k) => k.kernel)).toEqual(["BatchMatMul", "Relu"]);
    expect(p.kernels[0]).toEqual({ kernel: "BatchMatMul", calls: 1.5, msPerStep: 10, share: 0.5 });
    expect(p.kernels[1]).toEqual({ kernel: "Relu", calls: 1, msPerStep: 2, share: 0.1 });
    expect(p.kernelMsPerStep).toBe(12);
    expect(p.outsideMsPerStep).toBe(8);
  });
});

function report(torch: PerfReport["torch"]): PerfReport {
  const timing = (ms: number) => ({
    msPerStep: ms,
    blockMs: [ms],
    stepsPerBlock: 2,
    warmupSteps: 1,
    firstLoss: 4.8,
    lastLoss: 4.7,
  });
  return {
    antilearn: "0.0.0",
    startedAt: "2026-01-01T00:00:00.000Z",
    threads: 1,
    blocks: 1,
    backends: ["wasm", "native"],
    unavailable: [],
    torch,
    machine: { cpus: 2, cpuModel: "test cpu", node: "v20", loadBefore: [1, 2, 3], loadAfter: [1.5, 2, 3] },
    results: [
      {
        workload: "group-mlp",
        describe: "",
        batchSize: 5760,
        skipped: [],
        tfjs: [
          { backend: "wasm", params: 10, timing: timing(45) },
          { backend: "native", params: 10, timing: timing(9) },
        ],
        ...("version" in torch
          ? {
              torch: {
                torch: "1.13",
                python: "/usr/bin/python3",
                params: 11,
                msPerStep: 18,
                blockMs: [18],
                stepsPerBlock: 3,
                warmupSteps: 1,
                lastLoss: 4.7,
              },
            }
          : {}),
      },
    ],
  };
}

describe("report formatting", () => {
  it("number formats keep about three significant digits", () => {
    expect([fmtMs(0.41234), fmtMs(4.1234), fmtMs(41.234), fmtMs(412.34), fmtMs(undefined)]).toEqual([
      "0.412",
      "4.12",
      "41.2",
      "412",
      "–",
    ]);
    expect([fmtRatio(2.5), fmtRatio(0.5), fmtRatio(12.34), fmtRatio(250), fmtRatio(null)]).toEqual([
      "2.50×",
      "0.50×",
      "12.3×",
      "250×",
      "–",
    ]);
  });

  it("markdown: a column per backend, PyTorch, and each backend's ratio to it", () => {
    const md = formatMarkdown(
      report({ requested: true, python: "/usr/bin/python3", version: "1.13" }),
      "antilearn perf",
    );
    const lines = md.split("\n");
    expect(lines[0]).toBe(
      "| workload | batch | wasm ms/step | native ms/step | PyTorch 1.13 ms/step | wasm ÷ torch | native ÷ torch |",
    );
    // 45 / 18 = 2.5, 9 / 18 = 0.5
    expect(lines[2]).toBe("| group-mlp | 5,760 | 45.0 | 9.00 | 18.0 | 2.50× | 0.50× |");
    expect(md).toContain("load average (1, 5, 15 min) before: 1.00, 2.00, 3.00");
    expect(md).toContain("WARNING: group-mlp has 10 parameters in tfjs but 11 in PyTorch");
  });

  it("markdown marks warm-up-only cells with † and skipped backends as skipped", () => {
    const r = report({ requested: true, python: "/usr/bin/python3", version: "1.13" });
    r.backends = ["cpu", "wasm", "native"];
    const w = r.results[0];
    const slow = { ...w.tfjs[0].timing, msPerStep: 900, blockMs: [], warmupOnly: true, warmupSteps: 1 };
    w.tfjs.unshift({ backend: "cpu", params: 10, timing: slow });
    r.results.push({ ...w, workload: "mlp", batchSize: 128, tfjs: w.tfjs.slice(1), skipped: ["cpu"] });
    const lines = formatMarkdown(r).split("\n");
    // 900 / 18 = 50
    expect(lines[2]).toBe("| group-mlp | 5,760 | 900† | 45.0 | 9.00 | 18.0 | 50.0×† | 2.50× | 0.50× |");
    expect(lines[3]).toBe("| mlp | 128 | skipped | 45.0 | 9.00 | 18.0 | – | 2.50× | 0.50× |");
    expect(lines).toContain(
      "- group-mlp on cpu: † 1 step of warm-up only, which used the whole time budget (an upper bound)",
    );
    expect(lines).toContain("- mlp: not run on cpu (--skip)");
  });

  it("text without PyTorch installed: says why it was skipped and prints no ratio column", () => {
    const txt = formatText(report({ requested: true, skipped: "PyTorch not found (tried X)" }));
    expect(txt).toContain("PyTorch skipped: PyTorch not found (tried X)");
    expect(txt.split("\n")[1]).toMatch(/^group-mlp\s+wasm\s+45\.0\s+2×1\s+4\.800→4\.700\s+–\s+–$/);
    const plain = formatText(report({ requested: false }));
    expect(plain.split("\n")[0]).not.toMatch(/torch/);
  });
});
