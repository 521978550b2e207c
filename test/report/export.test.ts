import { describe, expect, it } from "vitest";
import { flatten, toCsv, toJsonl } from "../../src/report/export.js";
import type { RunRecord } from "../../src/store/types.js";

function rec(id: string, extra: Partial<RunRecord>): RunRecord {
  return {
    id,
    status: "ok",
    config: {
      task: { name: "modular", P_X: [3, 5], trainFraction: 0.8 },
      model: { name: "transformer", dModel: 32 },
      technique: { name: "baseline" },
      train: { steps: 10, lr: 0.001 },
      seed: 2,
    } as RunRecord["config"],
    seed: 2,
    backend: "wasm",
    threads: 1,
    versions: { antilearn: "0.1.0" },
    metrics: { accX: 0.75, accY: 0.125 },
    chance: { x: 0.1, y: 0.1 },
    steps: 10,
    log: {},
    curves: {},
    extra: {},
    timing: { buildMs: 0, trainMs: 0, evalMs: 0, totalMs: 1500 },
    createdAt: "2025-01-01T00:00:00Z",
    ...extra,
  };
}

/** A minimal RFC 4180 reader, enough to read back what toCsv writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  return rows;
}

describe("export", () => {
  it("flattens sections into dotted keys and keeps arrays whole", () => {
    expect(flatten({ a: { b: 1, c: [1, 2] }, d: null })).toEqual({ "a.b": 1, "a.c": [1, 2], d: null });
  });

  it("csv: one header (fixed, config, metrics), one row per record, quoting and empty cells where needed", () => {
    const a = rec("aaa", {});
    const b = rec("bbb", {
      status: "failed",
      error: 'NumericalError: lossX became NaN at step 3, "sad"\nsecond line',
      metrics: { accX: Number.NaN, probeY: 0.5 },
    });
    const rows = parseCsv(toCsv([a, b]));
    const [header, ra, rb] = rows;
    expect(rows).toHaveLength(3);
    expect(header.slice(0, 4)).toEqual(["id", "status", "seed", "task"]);
    expect(header).toContain("task.P_X");
    expect(header.indexOf("train.lr")).toBeLessThan(header.indexOf("accX"));
    expect(header.slice(-3)).toEqual(["accX", "accY", "probeY"]);
    const get = (r: string[], k: string) => r[header.indexOf(k)];
    expect(get(ra, "task.P_X")).toBe("[3,5]");
    expect(get(ra, "model.dModel")).toBe("32");
    expect(get(ra, "accX")).toBe("0.75");
    expect(get(ra, "totalMs")).toBe("1500");
    expect(get(ra, "probeY")).toBe("");
    expect(get(rb, "error")).toBe('NumericalError: lossX became NaN at step 3, "sad"\nsecond line');
    expect(get(rb, "accX")).toBe("");
    expect(get(rb, "probeY")).toBe("0.5");
  });

  it("jsonl: one whole record per line", () => {
    const lines = toJsonl([rec("a", {}), rec("b", {})])
      .trimEnd()
      .split("\n");
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(["a", "b"]);
    expect(JSON.parse(lines[0]).config.task.P_X).toEqual([3, 5]);
  });
});
