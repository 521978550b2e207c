import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchCommand } from "../../src/cli/commands/bench.js";
import { exportCommand } from "../../src/cli/commands/export.js";
import { reportCommand } from "../../src/cli/commands/report.js";
import { sweepCommand } from "../../src/cli/commands/sweep.js";

const dir = mkdtempSync(join(tmpdir(), "antilearn-sweep-"));
const db = join(dir, "r.db");

/** Run a command in-process (its workers are still processes) and capture what it prints on stdout. */
async function capture(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write;
  const errWrite = process.stderr.write;
  let out = "";
  process.stdout.write = ((s: string | Uint8Array) => {
    out += String(s);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await run(), out };
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
}

const SWEEP = [
  "--task",
  "a5-s5",
  "--technique",
  "uniform-labels",
  "--grid",
  "technique.uniformLabelsMix=0.2,0.8",
  "--seeds",
  "0,1",
  "--name",
  "mix",
  "--set",
  "model.dEmbed=16",
  "--set",
  "model.dHidden=32",
  "--set",
  "train.evalEvery=5",
  "--set",
  "eval.probe=false",
  "--set",
  "eval.relearn=false",
  "--set",
  "eval.interp=false",
  "--steps",
  "10",
  "--db",
  db,
  "--json",
];

describe("antilearn sweep, export, report commands", () => {
  it("a grid sweep with its baselines and a sweep plot; export csv/jsonl; report the plan; a rerun does nothing", async () => {
    const s = await capture(() => sweepCommand([...SWEEP, "--workers", "2", "--out", join(dir, "out")]));
    expect(s.code).toBe(0);
    const summary = JSON.parse(s.out);
    // 2 values × 2 seeds, plus the baseline of each seed that the scores need
    expect(summary).toMatchObject({ plan: "mix", kind: "sweep", total: 6, recorded: 6, failed: 0, missing: 0 });
    expect(existsSync(join(dir, "out", "plots", "sweep-mix-technique.uniformLabelsMix.png"))).toBe(true);
    expect(existsSync(summary.report)).toBe(true);

    expect(
      (await capture(() => exportCommand(["--format", "csv", "--db", db, "--out", join(dir, "all.csv")]))).code,
    ).toBe(0);
    const [header, ...rows] = readFileSync(join(dir, "all.csv"), "utf8").trimEnd().split("\n"); // ok runs: no line breaks in cells
    expect(rows).toHaveLength(6);
    expect(header.split(",")).toEqual(
      expect.arrayContaining(["id", "technique", "technique.uniformLabelsMix", "train.lr", "accX"]),
    );
    await capture(() =>
      exportCommand(["--format", "jsonl", "--db", db, "--plan", "mix", "--out", join(dir, "all.jsonl")]),
    );
    const all = readFileSync(join(dir, "all.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(
      all.map((r) => `${r.config.technique.name}:${r.config.technique.uniformLabelsMix ?? ""}:${r.seed}`).sort(),
    ).toEqual([
      "baseline::0",
      "baseline::1",
      "uniform-labels:0.2:0",
      "uniform-labels:0.2:1",
      "uniform-labels:0.8:0",
      "uniform-labels:0.8:1",
    ]);

    const rep = await capture(() => reportCommand(["--db", db, "--plan", "mix", "--out", join(dir, "rep")]));
    expect(rep.out).toContain(`leaderboard: ${join(dir, "rep", "leaderboard.md")}`);
    expect(readFileSync(join(dir, "rep", "leaderboard.md"), "utf8")).toMatch(
      /uniform-labels\(uniformLabelsMix=0\.8\) \| 2 \|/,
    );

    const again = await capture(() => sweepCommand([...SWEEP, "--no-report"]));
    expect(JSON.parse(again.out)).toMatchObject({ total: 6, skipped: 6, recorded: 0 });
  });

  it("bad input gets errors that say what is wrong", async () => {
    const cases: [() => Promise<number>, RegExp][] = [
      [() => sweepCommand(["--task", "a5-s5", "--technique", "baseline"]), /a grid sweep needs at least one --grid/],
      [
        () => sweepCommand(["--task", "a5-s5", "--technique", "baseline", "--grid", "train.lr"]),
        /has no values; give some/,
      ],
      [
        () => sweepCommand(["--task", "a5-s5", "--technique", "baseline", "--grid", "train.lr=1", "--seeds", "a"]),
        /--seeds must be/,
      ],
      [
        () => sweepCommand(["--task", "a5-s5", "--technique", "baseline", "--grid", "x=1"]),
        /--grid key 'x' must be section.key/,
      ],
      [() => benchCommand(["--suite", "nope", "--db", db]), /unknown suite 'nope'/],
      [() => benchCommand(["--db", db]), /--suite is required/],
      [() => exportCommand(["--format", "xml", "--db", db]), /--format must be one of csv, jsonl/],
      [() => reportCommand(["--plan", "nope", "--db", db]), /no plan 'nope' in .*; plans: mix/],
    ];
    for (const [run, re] of cases) await expect(run()).rejects.toThrow(re);
  });
});
