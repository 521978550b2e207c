import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResultStore, resolveDbPath } from "../../src/store/sqlite.js";
import type { RunRecord } from "../../src/store/types.js";

function record(id: string, accX: number, technique = "baseline"): RunRecord {
  return {
    id,
    status: "ok",
    config: { task: { name: "a5-s5" }, technique: { name: technique }, model: { name: "embed-mlp" }, seed: 0 },
    seed: 0,
    backend: "wasm",
    threads: 1,
    versions: { antilearn: "0.1.0" },
    metrics: { accX, accY: 0.01 },
    chance: { x: 1 / 120, y: 1 / 120 },
    steps: 10,
    log: { step: [1, 2], lossX: [2, 1] },
    curves: {},
    extra: {},
    timing: { buildMs: 1, trainMs: 2, evalMs: 3, totalMs: 6 },
    createdAt: new Date().toISOString(),
  };
}

describe("ResultStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "antilearn-store-"));

  it("round-trips records and replaces by id", () => {
    const s = new ResultStore(join(dir, "a.db"));
    s.put(record("abc123", 0.5));
    s.put(record("abc999", 0.7, "other"));
    expect(s.get("abc123").metrics.accX).toBe(0.5);
    expect(s.get("abc123").log.lossX).toEqual([2, 1]);
    s.put(record("abc123", 0.9));
    expect(s.count()).toBe(2);
    expect(s.get("abc123").metrics.accX).toBe(0.9);
    expect(s.list({ technique: "other" }).map((r) => r.id)).toEqual(["abc999"]);
    s.close();
  });

  it("finds by unique prefix and names missing or ambiguous ids", () => {
    const s = new ResultStore(join(dir, "a.db"));
    expect(s.get("abc1").id).toBe("abc123");
    expect(() => s.get("abc")).toThrow(/ambiguous/);
    expect(() => s.get("zzz")).toThrow(/no run 'zzz'/);
    s.close();
  });

  it("a plan saved again means its new ids only; the old runs stay in the store", () => {
    const s = new ResultStore(join(dir, "plans.db"));
    s.put(record("old1", 0.5));
    s.savePlan({ name: "p", kind: "suite", spec: { v: 1 }, createdAt: "2026-01-01" }, ["old1", "keep"]);
    expect(s.planIds("p")).toEqual(["keep", "old1"]);
    s.savePlan({ name: "p", kind: "suite", spec: { v: 2 }, createdAt: "2026-01-02" }, ["keep", "new1"]);
    expect(s.planIds("p")).toEqual(["keep", "new1"]);
    expect(s.plans().find((x) => x.name === "p")?.spec).toEqual({ v: 2 });
    expect(s.has("old1")).toBe(true);
    s.close();
  });

  it("persists across connections and uses WAL", () => {
    const p = join(dir, "b.db");
    const s1 = new ResultStore(p);
    s1.put(record("x1", 0.1));
    s1.close();
    const s2 = new ResultStore(p);
    expect(s2.has("x1")).toBe(true);
    s2.close();
  });

  it("resolves the path from the flag, then ANTILEARN_DB, then the default", () => {
    expect(resolveDbPath("/tmp/q.db")).toBe("/tmp/q.db");
    process.env.ANTILEARN_DB = "/tmp/env.db";
    expect(resolveDbPath()).toBe("/tmp/env.db");
    delete process.env.ANTILEARN_DB;
    expect(resolveDbPath()).toMatch(/\.antilearn\/results\.db$/);
  });
});
