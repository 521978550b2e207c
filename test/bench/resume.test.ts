import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makePlan } from "../../src/bench/plan.js";
import { expandSuite, loadSuite } from "../../src/bench/suite.js";

const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "antilearn-resume-"));
const db = join(dir, "r.db");
const out = join(dir, "out");
const suiteFile = join(dir, "tiny.json");
const SEEDS = [0, 1, 2, 3, 4, 5];
writeFileSync(
  suiteFile,
  JSON.stringify({
    name: "tiny",
    description: "six tiny runs",
    seeds: SEEDS,
    pairs: [
      {
        task: { name: "a5-s5" },
        model: { dEmbed: 16, dHidden: 32 },
        train: { steps: 10, evalEvery: 5 },
        eval: { probe: false, relearn: false, interp: false },
      },
    ],
    techniques: [{ name: "baseline" }],
  }),
);

/** Start `antilearn bench` from source on the tiny suite, one worker. */
function bench(): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
} {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "src/cli/main.ts"),
      "bench",
      "--suite",
      suiteFile,
      "--db",
      db,
      "--out",
      out,
      "--workers",
      "1",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let o = "";
  let e = "";
  child.stdout?.on("data", (d) => {
    o += d;
  });
  child.stderr?.on("data", (d) => {
    e += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, out: o, err: e })),
  );
  return { child, done };
}

/** Records in the store: id → createdAt (read-only, alongside a running bench: WAL allows it). */
function stored(): Map<string, string> {
  if (!existsSync(db)) return new Map();
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const hasRuns = d.prepare("SELECT name FROM sqlite_master WHERE name = 'runs'").get();
    if (!hasRuns) return new Map();
    const rows = d.prepare("SELECT id, created_at FROM runs").all() as { id: string; created_at: string }[];
    return new Map(rows.map((r) => [r.id, r.created_at]));
  } finally {
    d.close();
  }
}

async function until(pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("bench is resumable", () => {
  it("SIGKILL halfway, then Ctrl-C, then a rerun: every run recorded exactly once, nothing redone", async () => {
    const ids = makePlan("tiny", "suite", null, expandSuite(loadSuite(suiteFile))).runs.map((r) => r.id);
    expect(ids).toHaveLength(SEEDS.length);

    // 1. kill -9 the bench once two runs are recorded
    const a = bench();
    await until(() => stored().size >= 2, 120_000);
    a.child.kill("SIGKILL");
    const ra = await a.done;
    expect(ra.signal).toBe("SIGKILL");
    const afterKill = stored();
    expect(afterKill.size).toBeGreaterThanOrEqual(2);
    expect(afterKill.size).toBeLessThan(SEEDS.length);
    // its orphaned worker notices the parent is gone and exits
    const pid = Number(/worker 0: pid (\d+)/.exec(ra.err)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await until(() => !alive(pid), 30_000);

    // 2. Ctrl-C (SIGINT) once: the running run finishes and is recorded, no new one starts
    const b = bench();
    const before = afterKill.size;
    await until(() => stored().size >= before + 1, 120_000);
    b.child.kill("SIGINT");
    const rb = await b.done;
    expect(rb.code).toBe(130);
    expect(rb.err).toMatch(new RegExp(`tiny: 6 runs, ${before} already recorded, ${6 - before} to run`));
    expect(rb.err).toMatch(/stopping: no new runs/);
    const afterInt = stored();
    expect(afterInt.size).toBeLessThan(SEEDS.length);
    for (const [id, at] of afterKill) expect(afterInt.get(id)).toBe(at); // nothing rewritten

    // 3. rerun: only the missing runs, then the leaderboard and report
    const c = bench();
    const rc = await c.done;
    expect(rc.code, rc.err).toBe(0);
    expect(rc.err).toMatch(new RegExp(`${afterInt.size} already recorded, ${6 - afterInt.size} to run`));
    const final = stored();
    expect([...final.keys()].sort()).toEqual([...ids].sort());
    for (const [id, at] of afterInt) expect(final.get(id)).toBe(at);
    const d = new Database(db, { readonly: true });
    const dup = d.prepare("SELECT id, COUNT(*) AS n FROM runs GROUP BY id HAVING n > 1").all();
    const plan = d.prepare("SELECT run_id FROM plan_runs WHERE plan = 'tiny' ORDER BY run_id").all() as {
      run_id: string;
    }[];
    d.close();
    expect(dup).toEqual([]);
    expect(plan.map((p) => p.run_id)).toEqual([...ids].sort());

    // the bench ends with the best per setting (here: only the baseline ran), then where the leaderboard and the report are
    expect(rc.out).toMatch(/^best per setting:\n\| setting \| best technique[\s\S]*\| — \(only the baseline ran\) \|/);
    expect(rc.out).toContain(`leaderboard: ${join(out, "leaderboard.md")}`);
    expect(rc.out).toContain(`report:      ${join(out, "report.html")}`);
    const md = readFileSync(join(out, "leaderboard.md"), "utf8");
    expect(md).toMatch(/\| 1 \| baseline \| 6 \|/);
  });
});
