import { describe, expect, it } from "vitest";
import { buildLeaderboard } from "../../src/bench/aggregate.js";
import {
  bestTableMarkdown,
  chanceLine,
  formatStat,
  leaderboardMarkdown,
  leakFromCell,
} from "../../src/report/leaderboard.js";
import type { SweepPoint } from "../../src/report/plots.js";
import { baselineTableMarkdown, sweepTableMarkdown, versusChance } from "../../src/report/tables.js";
import type { RunRecord } from "../../src/store/types.js";
import { modular } from "../../src/tasks/modular.js";
import { okRecord } from "../fixtures/record.js";

function rec(task: string, seed: number, accX: number, accY: number, chanceY: number): RunRecord {
  return okRecord({
    task,
    seed,
    backend: "native",
    metrics: { accX, accY },
    chance: { x: 0.1, y: chanceY },
    timing: { trainMs: 10_000 * (seed + 1), evalMs: 2000 },
  });
}

describe("versusChance", () => {
  it("at chance when chance is inside the CI (or within 0.02 of a single value), else below/above", () => {
    expect(versusChance(0.006, 0.004, 0.008, 0.0083)).toBe("at chance");
    expect(versusChance(0.52, 0.5, 0.54, 0.5)).toBe("at chance");
    expect(versusChance(0.9, 0.85, 0.95, 0.5)).toBe("above chance");
    expect(versusChance(0.2, 0.18, 0.22, 0.5)).toBe("below chance");
    expect(versusChance(0.51, Number.NaN, Number.NaN, 0.5)).toBe("at chance");
    expect(versusChance(0.6, Number.NaN, Number.NaN, 0.5)).toBe("above chance");
  });
});

describe("baselineTableMarkdown", () => {
  it("one row per setting: mean ± t-CI over seeds, chance, verdict, mean times", () => {
    const recs = [
      rec("a5-s5", 0, 1, 0.006, 0.0083),
      rec("a5-s5", 1, 1, 0.004, 0.0083),
      rec("a5-s5", 2, 1, 0.008, 0.0083),
      rec("shapes", 0, 1, 0.9, 0.5),
      rec("shapes", 1, 1, 0.92, 0.5),
    ];
    const md = baselineTableMarkdown(buildLeaderboard(recs), recs);
    const a5 = md.split("\n").find((l) => l.startsWith("| a5-s5")) as string;
    const cells = a5.split("|").map((c) => c.trim());
    // mean 0.006, sd 0.002, t(0.975, 2) = 4.303 → half-width 4.303 · 0.002 / √3 = 0.00497
    expect(cells[2]).toBe("3");
    expect(cells[3]).toBe("1.000 ± 0.000");
    expect(cells[4]).toBe("0.006 ± 0.005");
    expect(cells[6]).toBe("0.0083");
    expect(cells[7]).toBe("at chance");
    expect(cells[10]).toBe("20 s"); // train times 10, 20, 30 s
    expect(cells[11]).toBe("2 s");
    const sh = md.split("\n").find((l) => l.startsWith("| shapes")) as string;
    expect(sh).toContain("above chance");
    expect(baselineTableMarkdown([], [])).toMatch(/No baseline runs/);
  });
});

describe("the modular pair's Y floor in the tables", () => {
  it("is the mean no-wrap share of the seeds' Y.test, printed beside chance and judged in the verdict", () => {
    const recs = [
      rec("modular", 0, 0.99, 0.53, 1 / 17),
      rec("modular", 1, 0.99, 0.58, 1 / 17),
      rec("a5-s5", 0, 1, 0, 0.0083),
    ];
    const sections = buildLeaderboard(recs);
    const mod = sections.find((s) => s.task === "modular");
    // independently: build each seed's split and count a + b < 17 on Y.test
    const share = (seed: number) => {
      const y = modular.build(modular.configSchema.parse({}), seed).splits["Y.test"];
      let c = 0;
      for (let i = 0; i < y.n; i++) if (y.x[3 * i] + y.x[3 * i + 1] < 17) c++;
      return c / y.n;
    };
    const floor = mod?.yFloor?.value ?? Number.NaN;
    expect(floor).toBeCloseTo((share(0) + share(1)) / 2, 12);
    expect(sections.find((s) => s.task === "a5-s5")?.yFloor).toBeUndefined();
    const md = leaderboardMarkdown(sections);
    expect(md).toContain(`Y floor ${floor.toFixed(4)} (a shortcut needing no Y circuit: a + b without reducing`);
    expect(chanceLine({ chance: { x: 0.1, y: 0.2 } })).toBe("chance: X 0.1000, Y 0.2000");
    const row = baselineTableMarkdown(sections, recs)
      .split("\n")
      .find((l) => l.startsWith("| modular")) as string;
    expect(row).toContain("above chance; at the floor");
  });
});

describe("bestTableMarkdown", () => {
  const r = (name: string, seed: number, accX: number, accY: number, task = "a5-s5") =>
    okRecord({ task, technique: { name }, seed, metrics: { accX, accY }, chance: { x: 0.1, y: 0.01 } });
  it("names the top technique per setting with its X cost against the baseline, and the runner-up", () => {
    const recs = [0, 1].flatMap((seed) => [
      r("baseline", seed, 1, 0.5),
      r("uniform-labels", seed, 0.9, 0.1),
      r("random-labels", seed, 1, 0.5),
    ]);
    const md = bestTableMarkdown(buildLeaderboard(recs));
    // retainX (0.9 − 0.1)/(1 − 0.1) = 0.8889, leak (0.1 − 0.01)/(0.5 − 0.01) = 0.1837 → score 0.7256
    expect(md).toContain(
      "| uniform-labels | 2 | 0.726 ± 0.000 | 0.900 ± 0.000 (1.000) | 0.100 | accY | random-labels 0.000 ± 0.000 |",
    );
  });
  it("says so when only the baseline ran", () => {
    expect(bestTableMarkdown(buildLeaderboard([r("baseline", 0, 1, 0.5)]))).toContain("| — (only the baseline ran) |");
  });
  it("says so when no technique has a defined score", () => {
    const recs = [r("baseline", 0, 1, 0.01, "shapes"), r("uniform-labels", 0, 1, 0.01, "shapes")];
    expect(bestTableMarkdown(buildLeaderboard(recs))).toMatch(
      /\| — \(score undefined\) \|.*no informative leak component/,
    );
  });
});

describe("formatStat", () => {
  it("says on how many of the row's seeds a value is defined when that is fewer", () => {
    const one = {
      mean: 1,
      sd: Number.NaN,
      level: 0.95,
      lo: Number.NaN,
      hi: Number.NaN,
      halfWidth: Number.NaN,
      n: 1,
      perSeed: { 0: 1, 1: Number.NaN },
    };
    expect(formatStat(one, 3)).toBe("1.000 (1 of 3 seeds)");
    expect(formatStat(one, 1)).toBe("1.000");
    expect(formatStat(one)).toBe("1.000");
    expect(formatStat(undefined, 3)).toBe("—");
  });
});

describe("leakFromCell", () => {
  it("names the binding component(s), with seed counts only when they differ across seeds", () => {
    expect(leakFromCell({ leakFrom: { relearnY: 3 }, seeds: [0, 1, 2] })).toBe("relearnY");
    expect(leakFromCell({ leakFrom: { accY: 3, probeY: 3 }, seeds: [0, 1, 2] })).toBe("accY, probeY");
    expect(leakFromCell({ leakFrom: { probeY: 2, relearnY: 1 }, seeds: [0, 1, 2] })).toBe("probeY 2, relearnY 1");
    expect(leakFromCell({ leakFrom: {}, seeds: [0, 1, 2] })).toBe("—");
  });
});

describe("sweepTableMarkdown", () => {
  it("one row per swept value in order, one column per metric, ± only with several seeds", () => {
    const pts: SweepPoint[] = [
      { x: 90, series: "all", metric: "accY", mean: 0.4, lo: 0.3, hi: 0.5, n: 3 },
      { x: 30, series: "all", metric: "accY", mean: 0.2, lo: Number.NaN, hi: Number.NaN, n: 1 },
      { x: 90, series: "all", metric: "accX", mean: 0.98, lo: 0.97, hi: 0.99, n: 3 },
    ];
    const lines = sweepTableMarkdown(pts, "task.D").trim().split("\n");
    expect(lines[0]).toBe("| task.D | seeds | accY | accX |");
    expect(lines[2]).toBe("| 30 | 1 | 0.200 | — |");
    expect(lines[3]).toBe("| 90 | 3 | 0.400 ± 0.100 | 0.980 ± 0.010 |");
  });
});
