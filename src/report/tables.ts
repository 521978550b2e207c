import type { LeaderboardSection } from "../bench/aggregate.js";
import { meanCI } from "../eval/stats.js";
import type { RunRecord } from "../store/types.js";
import { formatStat } from "./leaderboard.js";
import type { SweepPoint } from "./plots.js";

/**
 * How a baseline's Y accuracy compares with chance: "at chance" when chance
 * lies within the 95% CI (or within 0.02 of the mean for one seed), "below
 * chance" or "above chance" otherwise.
 */
export function versusChance(mean: number, lo: number, hi: number, chance: number, level = "chance"): string {
  const spread = Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [mean - 0.02, mean + 0.02];
  const [a, b] = [Math.min(spread[0], mean - 0.02), Math.max(spread[1], mean + 0.02)];
  if (chance >= a && chance <= b) return `at ${level}`;
  return mean < chance ? `below ${level}` : `above ${level}`;
}

/** The verdict cell: against chance and, where the pair declares one, against its Y floor (`TaskPair.yFloor`). */
function verdictCell(s: LeaderboardSection, accY: { mean: number; lo: number; hi: number }): string {
  const v = versusChance(accY.mean, accY.lo, accY.hi, s.chance.y);
  if (!s.yFloor) return v;
  const f = versusChance(accY.mean, accY.lo, accY.hi, s.yFloor.value, "the floor");
  return `${v}; ${f} ${s.yFloor.value.toFixed(3)} (${s.yFloor.strategy})`;
}

function seconds(ms: number[]): string {
  if (!ms.length) return "—";
  const s = meanCI(ms.map((m) => m / 1000));
  return `${s.mean.toFixed(0)} s`;
}

/**
 * What plain training carries over, per setting (issue 4's table): the
 * baseline's accX and accY (mean ± 95% CI over seeds), the chance levels,
 * how accY compares with chance, the probe and relearning leaks, and the
 * mean training and evaluation time per run. Settings without baseline
 * runs are left out.
 */
export function baselineTableMarkdown(sections: readonly LeaderboardSection[], records: readonly RunRecord[]): string {
  const byId = new Map(records.map((r) => [r.id, r]));
  const out = [
    "| setting | seeds | accX | accY | chance X | chance Y | accY vs chance | probeY | relearnY | train time | eval time |",
    "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
  ];
  let any = false;
  for (const s of sections) {
    const row = s.rows.find((r) => r.technique === "baseline" && r.label === "baseline");
    if (!row || row.seeds.length === 0) continue;
    any = true;
    const accY = row.metrics.accY;
    const verdict = accY ? verdictCell(s, accY) : "—";
    const recs = row.ids.map((id) => byId.get(id)).filter((r): r is RunRecord => r?.status === "ok");
    const cells = [
      s.label.replace(/\|/g, "\\|"),
      String(row.seeds.length),
      formatStat(row.metrics.accX),
      formatStat(accY),
      s.chance.x.toFixed(4),
      s.chance.y.toFixed(4),
      verdict,
      formatStat(row.metrics.probeY),
      formatStat(row.metrics.relearnY),
      seconds(recs.map((r) => r.timing.trainMs)),
      seconds(recs.map((r) => r.timing.evalMs)),
    ];
    out.push(`| ${cells.join(" | ")} |`);
  }
  if (!any) return "No baseline runs recorded.\n";
  return `${out.join("\n")}\n`;
}

/** A sweep's points as a table: one row per value of the swept key (and series), one column per metric. */
export function sweepTableMarkdown(points: readonly SweepPoint[], key: string): string {
  const metrics = [...new Set(points.map((p) => p.metric))];
  const rows = new Map<string, { x: number | string; series: string; cells: Map<string, SweepPoint> }>();
  for (const p of points) {
    const k = JSON.stringify([p.series, p.x]);
    const r = rows.get(k) ?? { x: p.x, series: p.series, cells: new Map() };
    r.cells.set(p.metric, p);
    rows.set(k, r);
  }
  const sorted = [...rows.values()].sort((a, b) =>
    a.series !== b.series ? (a.series < b.series ? -1 : 1) : a.x < b.x ? -1 : a.x > b.x ? 1 : 0,
  );
  const multi = new Set(sorted.map((r) => r.series)).size > 1;
  const head = [...(multi ? ["series"] : []), key, "seeds", ...metrics];
  const out = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < (multi ? 2 : 1) ? "---" : "---:")).join("|")}|`];
  for (const r of sorted) {
    const n = Math.max(...[...r.cells.values()].map((p) => p.n));
    const cells = metrics.map((m) => {
      const p = r.cells.get(m);
      if (!p) return "—";
      const half = (p.hi - p.lo) / 2;
      return Number.isFinite(half) && p.n > 1 ? `${p.mean.toFixed(3)} ± ${half.toFixed(3)}` : p.mean.toFixed(3);
    });
    out.push(`| ${[...(multi ? [r.series] : []), String(r.x), String(n), ...cells].join(" | ")} |`);
  }
  return `${out.join("\n")}\n`;
}
