import type { RunRecord } from "../store/types.js";

/** Export formats of `antilearn export`. */
export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Columns every CSV row has, before the config and metric columns. */
const FIXED = [
  "id",
  "status",
  "seed",
  "task",
  "technique",
  "model",
  "backend",
  "threads",
  "steps",
  "totalMs",
  "createdAt",
  "antilearn",
  "error",
] as const;

/** `{ a: { b: 1 } }` → `{ "a.b": 1 }`; arrays and `null` stay whole (they are values, not sections). */
export function flatten(obj: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

/** One flat row per record: fixed columns, the config as `section.key`, then the metrics by name. */
export function recordRow(r: RunRecord): Record<string, unknown> {
  const { seed: _s, ...config } = r.config;
  return {
    id: r.id,
    status: r.status,
    seed: r.seed,
    task: r.config.task.name,
    technique: r.config.technique.name,
    model: r.config.model.name,
    backend: r.backend,
    threads: r.threads,
    steps: r.steps,
    totalMs: r.timing.totalMs,
    createdAt: r.createdAt,
    antilearn: r.versions.antilearn,
    error: r.error ?? "",
    ...flatten(config),
    ...r.metrics,
  };
}

/** RFC 4180 quoting: a cell with a comma, quote or line break is quoted, quotes doubled. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "number" && !Number.isFinite(v)) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * All records as CSV: one header with the union of columns (fixed ones,
 * then config keys, then metric names, each group sorted), one row per
 * record, empty cells where a record lacks a column.
 */
export function toCsv(records: readonly RunRecord[]): string {
  const rows = records.map(recordRow);
  const fixed = new Set<string>(FIXED);
  const configCols = new Set<string>();
  const metricCols = new Set<string>();
  for (const [i, r] of records.entries()) {
    for (const k of Object.keys(rows[i])) {
      if (fixed.has(k)) continue;
      if (k in r.metrics) metricCols.add(k);
      else configCols.add(k);
    }
  }
  const header = [...FIXED, ...[...configCols].sort(), ...[...metricCols].sort()];
  const lines = [header.map(cell).join(",")];
  for (const row of rows) lines.push(header.map((h) => cell(row[h])).join(","));
  return `${lines.join("\n")}\n`;
}

/** All records as JSON Lines: one whole record per line. */
export function toJsonl(records: readonly RunRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}
