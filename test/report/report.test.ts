import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fourierRows, irrepRows, probeRows, relearnRows, trainingCurveRows } from "../../src/report/data.js";
import { rasterize } from "../../src/report/render.js";
import { writeReport } from "../../src/report/report.js";
import type { RunRecord } from "../../src/store/types.js";
import { okRecord } from "../fixtures/record.js";

function rec(
  task: string,
  technique: Record<string, unknown>,
  seed: number,
  extra: Record<string, unknown>,
  accX = 0.9,
  accY = 0.5,
): RunRecord {
  return okRecord({
    task,
    technique,
    seed,
    extra,
    metrics: { accX, accY, probeY: 0.4, probeY_fresh: 0.1 },
    curves: { step: [0, 5, 10], accX: [0.01, 0.5, accX], accY: [0.01, 0.2, accY], lossX: [5, 2, 1] },
  });
}

const relearn = (a: number) => ({
  ks: [5],
  steps: 20,
  modes: {
    embed: {
      model: {
        mode: "embed",
        trained: ["embed_left.W"],
        curves: [{ k: 5, step: [0, 10, 20], acc: [a, a + 0.1, a + 0.2], final: a + 0.2 }],
      },
      fresh: {
        mode: "embed",
        trained: ["embed_left.W"],
        curves: [{ k: 5, step: [0, 10, 20], acc: [0, 0.05, null], final: 0.1 }],
      },
    },
  },
});
const probe = {
  model: { hooks: [{ hook: "hook_embed_left", testAcc: 0.4 }] },
  fresh: { hooks: [{ hook: "hook_embed_left", testAcc: 0.1 }] },
};
const groupInterp = (share: number) => ({
  kind: "group",
  groups: [
    {
      group: "S5",
      order: 120,
      embeddings: [
        {
          param: "embed_left.W",
          fractions: [
            { label: "trivial", dim: 1, fraction: 0 },
            { label: "standard", dim: 4, fraction: share },
            { label: "6", dim: 6, fraction: 1 - share },
          ],
        },
      ],
      logitSimilarity: [{ label: "standard", dim: 4, similarity: 0.9 }],
    },
  ],
});
const modularInterp = {
  kind: "modular",
  moduli: [
    {
      p: 7,
      embeddings: [
        {
          param: "embed.W",
          p: 7,
          shares: [
            { k: 1, share: 0.7 },
            { k: 2, share: 0.2 },
            { k: 3, share: 0.1 },
          ],
        },
      ],
    },
  ],
};

const records = [
  rec("a5-s5", {}, 0, { relearn: relearn(0.5), probe, interp: groupInterp(0.8) }),
  rec("a5-s5", {}, 1, { relearn: relearn(0.5), probe, interp: groupInterp(0.6) }),
  rec(
    "a5-s5",
    { name: "uniform-labels", uniformLabelsMix: 0.9 },
    0,
    { relearn: relearn(0.1), interp: groupInterp(0.1) },
    0.9,
    0.1,
  ),
  rec(
    "a5-s5",
    { name: "uniform-labels", uniformLabelsMix: 0.9 },
    1,
    { relearn: relearn(0.1), interp: groupInterp(0.1) },
    0.9,
    0.2,
  ),
  rec("modular", {}, 0, { interp: modularInterp }),
];

describe("report data readers", () => {
  it("read curves, relearning (trained vs fresh), probes, irreps and Fourier shares from a record", () => {
    expect(
      trainingCurveRows("b", records[0])
        .filter((r) => r.metric === "accY")
        .map((r) => [r.step, r.value]),
    ).toEqual([
      [0, 0.01],
      [5, 0.2],
      [10, 0.5],
    ]);
    const rl = relearnRows("b", records[0]);
    expect(rl.filter((r) => r.model === "trained").map((r) => [r.attack, r.step, r.acc])).toEqual([
      ["embed k=5", 0, 0.5],
      ["embed k=5", 10, 0.6],
      ["embed k=5", 20, 0.7],
    ]);
    // null (a NaN in the store) is skipped, not plotted as 0
    expect(rl.filter((r) => r.model === "fresh").map((r) => [r.attack, r.step, r.acc])).toEqual([
      ["embed k=5", 0, 0],
      ["embed k=5", 10, 0.05],
    ]);
    expect(probeRows("b", records[0]).map((r) => [r.model, r.hook, r.acc])).toEqual([
      ["trained", "hook_embed_left", 0.4],
      ["fresh", "hook_embed_left", 0.1],
    ]);
    const ir = irrepRows("b", records[0]);
    expect(ir.map((r) => [r.group, r.param, r.irrep, r.value])).toEqual([
      ["S5", "embed_left.W", "trivial", 0],
      ["S5", "embed_left.W", "standard", 0.8],
      ["S5", "embed_left.W", "6", 1 - 0.8],
      ["S5", "logits (similarity)", "standard", 0.9],
    ]);
    expect(fourierRows("b", records[4]).map((r) => [r.p, r.k, r.share])).toEqual([
      [7, 1, 0.7],
      [7, 2, 0.2],
      [7, 3, 0.1],
    ]);
    expect(irrepRows("b", records[4])).toEqual([]);
  });

  it("renders text: resvg is given the system fonts", () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="30" font-size="24">Hello</text></svg>`;
    const r = rasterize(svg, 1);
    expect([r.width, r.height]).toEqual([120, 40]);
    let inked = 0;
    for (let i = 3; i < r.pixels.length; i += 4) if (r.pixels[i] > 128) inked++;
    expect(inked).toBeGreaterThan(100); // "Hello" at 24px covers a few hundred pixels; no font → 0
  });
});

describe("writeReport", () => {
  it("writes the leaderboard (md + html), a self-contained HTML report and one PNG per plot", async () => {
    const out = mkdtempSync(join(tmpdir(), "antilearn-report-"));
    const sweep = {
      info: { name: "sw", kind: "sweep", spec: { axes: [{ key: "technique.uniformLabelsMix" }] }, createdAt: "" },
      ids: records.slice(0, 4).map((r) => r.id),
    };
    mkdirSync(join(out, "plots"), { recursive: true });
    writeFileSync(join(out, "plots", "99-stale-from-an-earlier-report.png"), "old");
    const files = await writeReport({ records, plans: [sweep] }, out);
    const names = files.pngs.map((f) => f.slice(join(out, "plots").length + 1)).sort();
    expect(names).toEqual([
      "01-a5-s5-irreps-S5.png",
      "01-a5-s5-probe.png",
      "01-a5-s5-relearn.png",
      "01-a5-s5-training.png",
      "02-modular-fourier.png",
      "02-modular-training.png",
      "sweep-sw-technique.uniformLabelsMix.png",
    ]);
    for (const f of files.pngs) {
      const b = readFileSync(f);
      expect(b.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      expect(b.readUInt32BE(16)).toBeGreaterThan(300); // width (2× the SVG)
      expect(b.readUInt32BE(20)).toBeGreaterThan(200); // height
    }
    expect(readdirSync(join(out, "plots")).sort()).toEqual(files.pngs.map((f) => basename(f)).sort());
    const html = readFileSync(files.report, "utf8");
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(files.pngs.length);
    expect(html).not.toMatch(/(src|href)="https?:/);
    // The baselines table (issue 4) and the sweep table come with every report.
    expect(readFileSync(files.baselinesMd, "utf8")).toMatch(
      /\| a5-s5 · embed-mlp · train\(steps=10\) \| 2 \| 0\.900 ± 0\.000 \| 0\.500 ± 0\.000 \|/,
    );
    expect(readFileSync(files.sweepsMd as string, "utf8")).toMatch(/## Sweep sw: technique\.uniformLabelsMix/);
    const md = readFileSync(files.leaderboardMd, "utf8");
    // uniform-labels: retainX 1, accY leaks (0.1−0.01)/(0.5−0.01) and (0.2−0.01)/(0.5−0.01), but probeY
    // leaks fully (0.4, the baseline's): score 0 on both seeds; ties go to the lower accY.
    // accY 0.1, 0.2: mean 0.15, half-width t(0.975, 1)·s/√2 = 12.7062·0.070711/1.41421 = 0.635
    expect(md).toMatch(
      /\| 1 \| uniform-labels\(uniformLabelsMix=0\.9\) \| 2 \| 0\.000 ± 0\.000 \| 1\.000 ± 0\.000 \| 1\.000 ± 0\.000 \| probeY \| 0\.900 ± 0\.000 \| 0\.150 ± 0\.635 \| 0\.400 ± 0\.000 \|/,
    );
    // the baseline leaks fully on every informative component, by construction: they tie
    expect(md).toMatch(
      /\| 2 \| baseline \| 2 \| 0\.000 ± 0\.000 \| 1\.000 ± 0\.000 \| 1\.000 ± 0\.000 \| accY, probeY \| 0\.900 ± 0\.000 \| 0\.500 ± 0\.000 \|/,
    );
    expect(md).toMatch(
      /## modular · embed-mlp · train\(steps=10\)[\s\S]*\| 1 \| baseline \| 1 \| 0\.000 \| 1\.000 \| 1\.000 \| accY, probeY \| 0\.900 \|/,
    );
    expect(readFileSync(files.leaderboardHtml, "utf8")).toContain(
      '<td title="seed 0: 0.1000, seed 1: 0.2000">0.150 ± 0.635</td>',
    );
  });
});
