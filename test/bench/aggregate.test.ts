import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildLeaderboard, recordScores } from "../../src/bench/aggregate.js";
import type { RunRecord } from "../../src/store/types.js";
import { techniques } from "../../src/techniques/index.js";

techniques.register({
  name: "test-agg",
  describe: "hparams for label tests",
  source: "test",
  usesY: false,
  hparams: z.object({ testAggW: z.number().default(1) }).strict(),
  samplers: {},
  train() {},
});

const C = 1 / 120;
let n = 0;
function rec(
  technique: Record<string, unknown>,
  seed: number,
  metrics: Record<string, number>,
  opts: { steps?: number; status?: "ok" | "failed" } = {},
): RunRecord {
  return {
    id: `r${n++}`,
    status: opts.status ?? "ok",
    error: opts.status === "failed" ? "NumericalError: lossX became NaN" : undefined,
    config: {
      task: { name: "a5-s5", trainFraction: 0.9, yAccessFraction: 0.2, yTestFraction: 0.3 },
      model: { name: "embed-mlp", dEmbed: 16, dHidden: 32 },
      technique: { name: "baseline", ...technique } as { name: string },
      train: { steps: opts.steps ?? 10 },
      eval: { batchSize: 4096 },
      seed,
    } as RunRecord["config"],
    seed,
    backend: "wasm",
    threads: 1,
    versions: { antilearn: "0.1.0" },
    metrics: opts.status === "failed" ? {} : metrics,
    chance: { x: C, y: C },
    steps: 10,
    log: {},
    curves: {},
    extra: {},
    timing: { buildMs: 0, trainMs: 0, evalMs: 0, totalMs: 1 },
    createdAt: "2025-01-01T00:00:00Z",
  };
}

const base = [
  rec({ name: "baseline" }, 0, { accX: 0.9, accY: 0.5 }),
  rec({ name: "baseline" }, 1, { accX: 0.8, accY: 0.6 }),
  rec({ name: "baseline" }, 2, { accX: 1.0, accY: 0.4 }),
];
const tech = [
  rec({ name: "test-agg", testAggW: 2 }, 0, { accX: 0.9, accY: 0.1 }),
  rec({ name: "test-agg", testAggW: 2 }, 1, { accX: 0.6, accY: 0.2 }),
  rec({ name: "test-agg", testAggW: 2 }, 2, { accX: 1.0, accY: 0.3 }),
];

/** Protocol §4 by hand with accY as the only component. */
function score(accX: number, accY: number, bX: number, bY: number): number {
  const retain = Math.min(1, Math.max(0, (accX - C) / (bX - C)));
  const leak = Math.min(1, Math.max(0, (accY - C) / (bY - C)));
  return retain * (1 - leak);
}

describe("leaderboard aggregation", () => {
  it("scores each seed against the same seed's baseline and reports mean ± 95% t-interval", () => {
    const [s] = buildLeaderboard([...base, ...tech]);
    expect(s.rows.map((r) => r.label)).toEqual(["test-agg(testAggW=2)", "baseline"]);
    const row = s.rows[0];
    const perSeed = [score(0.9, 0.1, 0.9, 0.5), score(0.6, 0.2, 0.8, 0.6), score(1.0, 0.3, 1.0, 0.4)];
    expect(perSeed[0]).toBeCloseTo(1 - (0.1 - C) / (0.5 - C), 12);
    for (const seed of [0, 1, 2]) expect(row.metrics.score.perSeed[seed]).toBeCloseTo(perSeed[seed], 12);
    const m = (perSeed[0] + perSeed[1] + perSeed[2]) / 3;
    const sd = Math.sqrt(perSeed.reduce((a, v) => a + (v - m) ** 2, 0) / 2);
    expect(row.metrics.score.mean).toBeCloseTo(m, 12);
    // t_{0.975, 2} = 4.302653 (tables)
    expect(row.metrics.score.halfWidth).toBeCloseTo((4.302653 * sd) / Math.sqrt(3), 5);
    expect(row.metrics.accX.mean).toBeCloseTo((0.9 + 0.6 + 1.0) / 3, 12);
    expect(s.rows[1].metrics.score.mean).toBe(0); // the baseline scores 0 by construction
    expect(s.columns).toEqual(["score", "retainX", "leakY", "accX", "accY"]);
    // accY is the only component, so it set leakY wherever the technique leaked (all three seeds)
    expect(row.leakFrom).toEqual({ accY: 3 });
    expect(s.label).toBe("a5-s5 · embed-mlp(dEmbed=16, dHidden=32) · train(steps=10)");
  });

  it("adds probe/relearn columns when runs have them, and they enter the score", () => {
    const withProbe = [
      ...base.map((r) => ({ ...r, metrics: { ...r.metrics, probeY: 0.7, probeY_fresh: 0.1 } })),
      ...tech.map((r) => ({ ...r, metrics: { ...r.metrics, probeY: 0.7, probeY_fresh: 0.1 } })),
    ];
    const [s] = buildLeaderboard(withProbe);
    expect(s.columns).toEqual(["score", "retainX", "leakY", "accX", "accY", "probeY"]);
    expect(s.rows.find((r) => r.technique === "test-agg")?.leakFrom).toEqual({ probeY: 3 });
    // the probe leaks as much as the baseline's: leakY = 1, score 0
    expect(s.rows.find((r) => r.technique === "test-agg")?.metrics.score.mean).toBe(0);
    expect(recordScores(withProbe).get(tech[0].id)?.informative).toEqual(["accY", "probeY"]);
  });

  it("labels settings that differ only in evaluation or code version apart (and only then names those)", () => {
    const atDefault = { ...base[0], id: "e0", config: { ...base[0].config, eval: { batchSize: 256 } } } as RunRecord;
    const older = { ...base[0], id: "v0", versions: { antilearn: "0.0.9" } } as RunRecord;
    const labels = buildLeaderboard([base[0], atDefault, older]).map((s) => s.label);
    // the fixtures' eval batch (4096) is not the default (256): the long labels say so
    expect(labels.sort()).toEqual([
      "a5-s5 · embed-mlp(dEmbed=16, dHidden=32) · train(steps=10)",
      "a5-s5 · embed-mlp(dEmbed=16, dHidden=32) · train(steps=10) · eval(batchSize=4096)",
      "a5-s5 · embed-mlp(dEmbed=16, dHidden=32) · train(steps=10) · eval(batchSize=4096) · antilearn 0.0.9",
    ]);
  });

  it("keeps settings apart, lists failed seeds, and leaves runs without a baseline unscored", () => {
    const other = rec({ name: "test-agg" }, 0, { accX: 0.5, accY: 0.5 }, { steps: 20 });
    const failed = rec({ name: "test-agg", testAggW: 2 }, 3, {}, { status: "failed" });
    const sections = buildLeaderboard([...base, ...tech, other, failed]);
    expect(sections).toHaveLength(2);
    const s20 = sections.find((s) => s.label.includes("steps=20")) as (typeof sections)[number];
    expect(s20.rows[0].label).toBe("test-agg");
    expect(s20.rows[0].noBaseline).toEqual([0]);
    expect(Number.isNaN(s20.rows[0].metrics.score.mean)).toBe(true);
    const row = sections.find((s) => s.label.includes("steps=10"))?.rows.find((r) => r.technique === "test-agg");
    expect(row?.seeds).toEqual([0, 1, 2]);
    expect(row?.failed).toEqual([{ seed: 3, id: failed.id, error: "NumericalError: lossX became NaN" }]);
  });
});
