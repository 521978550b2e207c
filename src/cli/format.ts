import type { RunRecord } from "../store/types.js";

/** Format a number for tables: 4 significant decimals, or "—" when missing. */
export function num(v: number | undefined, digits = 4): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  return v.toFixed(digits);
}

/** Milliseconds as "12.3 s" or "840 ms". */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A human summary of a run record (what `run` prints at the end and `show` prints). */
export function summarize(r: RunRecord): string {
  const c = r.config;
  const lines = [
    `run ${r.id}  ${c.task.name} × ${c.technique.name}  (model ${c.model.name}, seed ${r.seed})`,
    `status    ${r.status}${r.error ? `: ${r.error}` : ""}`,
    `backend   ${r.backend} (${r.threads} thread${r.threads === 1 ? "" : "s"}), antilearn ${r.versions.antilearn}, tfjs ${r.versions.tfjs}, node ${r.versions.node}`,
    `steps     ${r.steps}`,
  ];
  const m = r.metrics;
  if (m.accX !== undefined) {
    lines.push(`X.test    acc ${num(m.accX)}  loss ${num(m.lossX)}  (chance ${num(r.chance.x)})`);
    lines.push(`Y.test    acc ${num(m.accY)}  loss ${num(m.lossY)}  (chance ${num(r.chance.y)})`);
  }
  // The headline evaluation numbers; per-mode and per-k ones are in --json.
  const pairs: [string, string, string][] = [
    ["probe", "probeY", "probeY_fresh"],
    ["relearn", "relearnY", "relearnY_fresh"],
    ["  (AUC)", "relearnAuc", "relearnAuc_fresh"],
  ];
  for (const [label, k, kf] of pairs) {
    if (m[k] !== undefined) lines.push(`${label.padEnd(9)} ${num(m[k])}  (fresh model ${num(m[kf])})`);
  }
  if (m.score !== undefined) lines.push(`score     ${num(m.score)}`);
  const t = r.timing;
  lines.push(
    `time      ${duration(t.totalMs)} (train ${duration(t.trainMs)}, eval ${duration(t.evalMs)}, build ${duration(t.buildMs)})`,
  );
  return lines.join("\n");
}
