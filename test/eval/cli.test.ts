import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { evalCommand } from "../../src/cli/commands/eval.js";
import { runCommand } from "../../src/cli/commands/run.js";
import { ResultStore } from "../../src/store/sqlite.js";

const db = join(mkdtempSync(join(tmpdir(), "antilearn-eval-")), "r.db");

/** Run a command in-process (a spawned tsx CLI costs seconds per call) and capture stdout/stderr. */
async function call(cmd: (argv: string[]) => Promise<number>, argv: string[]) {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await cmd([...argv, "--db", db]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("antilearn eval", () => {
  afterEach(() => vi.restoreAllMocks());

  it("re-evaluates a recorded run by retraining it, and stores the results in its record", async () => {
    const run = await call(runCommand, [
      ...["--task", "a5-s5", "--technique", "baseline", "--steps", "10", "--backend", "wasm"],
      ...["--set", "model.dEmbed=8", "--set", "model.dHidden=16"],
      ...["--set", "eval.probeSteps=5", "--set", "eval.probeMaxExamples=300"],
      ...["--set", 'eval.probeHooks=["layers.0.hook_post"]'],
      ...["--no-relearn", "--no-interp", "--json"],
    ]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/probe: best layers.0.hook_post/);
    const rec = JSON.parse(run.out);
    expect(rec.config.eval).toMatchObject({ probe: true, relearn: false, interp: false });
    expect(rec.metrics.probeY).toBeGreaterThanOrEqual(0);
    expect(rec.metrics.relearnY).toBeUndefined();
    expect(rec.extra.interp).toBeUndefined();
    expect(rec.extra.probe.model.hooks.map((h: { hook: string }) => h.hook)).toEqual(["layers.0.hook_post"]);

    const ev = await call(evalCommand, [rec.id.slice(0, 10), "--probe", "--interp", "--score", "--json"]);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.err).toMatch(/backend: wasm \(1 thread\)/);
    const up = JSON.parse(ev.out);
    expect(up.id).toBe(rec.id);
    // Retraining reproduced the model bit for bit, so the probe gives the same number.
    expect(up.extra.evalReproduced).toBe(true);
    expect(up.metrics.accX).toBe(rec.metrics.accX);
    expect(up.metrics.probeY).toBe(rec.metrics.probeY);
    expect(up.extra.interp.groups.map((g: { group: string }) => g.group)).toEqual(["S5", "A5"]);
    expect(up.extra.evaluations).toHaveLength(1);
    expect(up.extra.evalTiming.interpMs).toBeGreaterThan(0);
    // A baseline is its own reference.
    expect(up.extra.score.baselineId).toBe(rec.id);
    const store = new ResultStore(db);
    expect(store.get(rec.id).extra.interp).toMatchObject({ kind: "group" });
    store.close();

    await expect(call(evalCommand, ["ffffffffffff"])).rejects.toThrow(/no run 'ffffffffffff'/);
  }, 120_000);
});
