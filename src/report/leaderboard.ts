import type { LeaderboardRow, LeaderboardSection, MetricStats } from "../bench/aggregate.js";
import { esc } from "./html.js";

/**
 * `mean ± half-width` with 3 decimals; just the mean for one seed; "—" when
 * undefined. With `of` (the row's seed count), a value defined on fewer
 * seeds says so — `1.000 (1 of 3 seeds)` — since a score can be undefined on
 * some seeds (no informative component there) and a mean over one seed must
 * not read as a mean over three.
 */
export function formatStat(s: MetricStats | undefined, of?: number): string {
  if (!s || s.n === 0 || !Number.isFinite(s.mean)) return "—";
  const v = Number.isFinite(s.halfWidth) ? `${s.mean.toFixed(3)} ± ${s.halfWidth.toFixed(3)}` : s.mean.toFixed(3);
  return of !== undefined && s.n < of ? `${v} (${s.n} of ${of} seeds)` : v;
}

/** Per-seed values, for a tooltip: `seed 0: 0.812, seed 1: 0.790`. */
function perSeed(s: MetricStats | undefined): string {
  if (!s) return "";
  return Object.entries(s.perSeed)
    .map(([seed, v]) => `seed ${seed}: ${Number.isFinite(v) ? v.toFixed(4) : "—"}`)
    .join(", ");
}

/**
 * The "leak from" cell: the components that set leakY (several when they
 * tie), with seed counts unless each did on every seed (`relearnY`,
 * `accY, probeY`, `probeY 2, relearnY 1`); "—" when nothing leaked or there
 * is no score.
 */
export function leakFromCell(r: Pick<LeaderboardRow, "leakFrom" | "seeds">): string {
  const entries = Object.entries(r.leakFrom).filter(([, n]) => (n ?? 0) > 0) as [string, number][];
  if (entries.length === 0) return "—";
  if (entries.every(([, n]) => n === r.seeds.length)) return entries.map(([c]) => c).join(", ");
  return entries.map(([c, n]) => `${c} ${n}`).join(", ");
}

function seedsCell(r: LeaderboardRow): string {
  return r.failed.length ? `${r.seeds.length} (+${r.failed.length} failed)` : String(r.seeds.length);
}

const EXPLAIN =
  "Ranked by score = retainX · (1 − leakY) against the baseline of the same setting and seed (protocol §4); " +
  "mean ± 95% Student-t CI over seeds (just the mean for one seed); — = undefined. " +
  "leak from: the Y measure (accY = behaviour, probeY, relearnY) that set leakY, with seed counts when they differ; " +
  "a score of 0 means that measure leaked as much as the baseline's, or X was lost.";

/** `chance: X 0.0493, Y 0.0588` and, where the pair has one, its Y floor with the strategy behind it. */
export function chanceLine(s: Pick<LeaderboardSection, "chance" | "yFloor">): string {
  const base = `chance: X ${s.chance.x.toFixed(4)}, Y ${s.chance.y.toFixed(4)}`;
  if (!s.yFloor) return base;
  return `${base}; Y floor ${s.yFloor.value.toFixed(4)} (a shortcut needing no Y circuit: ${s.yFloor.strategy})`;
}

/** The section's notes, each once, naming the techniques it applies to (or "all" when it applies to every row). */
function sectionNotes(s: LeaderboardSection): string[] {
  const who = new Map<string, string[]>();
  const note = (text: string, label: string) => who.set(text, [...(who.get(text) ?? []), label]);
  for (const r of s.rows) {
    for (const n of r.notes) note(n, r.label);
    if (r.noBaseline.length) note(`no ok baseline run for seed ${r.noBaseline.join(", ")}, so no score`, r.label);
  }
  const out = [...who].map(([text, labels]) =>
    labels.length === s.rows.length && s.rows.length > 1 ? `all techniques: ${text}` : `${labels.join(", ")}: ${text}`,
  );
  for (const r of s.rows)
    for (const f of r.failed) out.push(`${r.label}: seed ${f.seed} failed (run ${f.id}): ${f.error}`);
  return out;
}

const LEAK_FROM = "leak from";

/** The table's metric columns, with "leak from" after leakY where the section has a score. */
function headerColumns(s: LeaderboardSection): string[] {
  const i = s.columns.indexOf("leakY");
  return i < 0 ? s.columns : [...s.columns.slice(0, i + 1), LEAK_FROM, ...s.columns.slice(i + 1)];
}

/**
 * One row per setting: the top-ranked technique (best mean score), its score,
 * its accX against the baseline's (the X cost is their difference) and what
 * set its leak; the runner-up's score for scale. A setting where no technique
 * has a defined score says so instead of naming a winner.
 */
export function bestTableMarkdown(sections: readonly LeaderboardSection[]): string {
  const out = [
    "| setting | best technique | seeds | score | accX (baseline) | X cost | leak from | runner-up |",
    "|---|---|---:|---:|---:|---:|---|---|",
  ];
  const cell = (t: string) => t.replace(/\|/g, "\\|");
  for (const s of sections) {
    const base = s.rows.find((r) => r.technique === "baseline" && r.label === "baseline");
    const scored = s.rows.filter((r) => r.technique !== "baseline" && Number.isFinite(r.metrics.score?.mean));
    if (s.rows.every((r) => r.technique === "baseline")) {
      out.push(`| ${cell(s.label)} | — (only the baseline ran) | | | | | | |`);
      continue;
    }
    if (scored.length === 0) {
      const why = s.rows.flatMap((r) => r.notes)[0] ?? "no scored technique";
      out.push(`| ${cell(s.label)} | — (score undefined) | | | | | | ${cell(why)} |`);
      continue;
    }
    const [best, second] = scored;
    const bx = base?.metrics.accX?.mean ?? Number.NaN;
    const ax = best.metrics.accX?.mean ?? Number.NaN;
    const cost = bx - ax;
    out.push(
      `| ${[
        cell(s.label),
        cell(best.label),
        String(best.seeds.length),
        formatStat(best.metrics.score, best.seeds.length),
        `${formatStat(best.metrics.accX)} (${Number.isFinite(bx) ? bx.toFixed(3) : "—"})`,
        Number.isFinite(cost) ? cost.toFixed(3) : "—",
        leakFromCell(best),
        second ? `${cell(second.label)} ${formatStat(second.metrics.score, second.seeds.length)}` : "—",
      ].join(" | ")} |`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** The leaderboard as Markdown: the best per setting, then one table per setting. */
export function leaderboardMarkdown(sections: readonly LeaderboardSection[], title = "Leaderboard"): string {
  const out = [`# ${title}`, "", EXPLAIN, ""];
  if (sections.length === 0) out.push("No runs recorded yet.", "");
  else out.push("## Best per setting", "", bestTableMarkdown(sections));
  for (const s of sections) {
    out.push(`## ${s.label}`, "", chanceLine(s), "");
    const cols = headerColumns(s);
    out.push(`| rank | technique | seeds | ${cols.join(" | ")} |`);
    out.push(`|---:|---|---:|${cols.map((c) => (c === LEAK_FROM ? "---" : "---:")).join("|")}|`);
    s.rows.forEach((r, i) => {
      const cells = cols.map((c) => (c === LEAK_FROM ? leakFromCell(r) : formatStat(r.metrics[c], r.seeds.length)));
      out.push(`| ${i + 1} | ${r.label.replace(/\|/g, "\\|")} | ${seedsCell(r)} | ${cells.join(" | ")} |`);
    });
    const notes = sectionNotes(s);
    if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));
    out.push("");
  }
  return out.join("\n");
}

/** The leaderboard as HTML tables (a fragment; per-seed values in each cell's tooltip). */
export function leaderboardHtml(sections: readonly LeaderboardSection[]): string {
  const out = [`<p class="meta">${esc(EXPLAIN)}</p>`];
  if (sections.length === 0) out.push("<p>No runs recorded yet.</p>");
  for (const s of sections) {
    out.push(`<h3>${esc(s.label)}</h3>`);
    out.push(`<p class="meta">${esc(chanceLine(s))}</p>`);
    out.push("<table>");
    const cols = headerColumns(s);
    out.push(
      `<tr><th>rank</th><th class="name">technique</th><th>seeds</th>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`,
    );
    s.rows.forEach((r, i) => {
      const cells = cols
        .map((c) =>
          c === LEAK_FROM
            ? `<td class="name">${esc(leakFromCell(r))}</td>`
            : `<td title="${esc(perSeed(r.metrics[c]))}">${esc(formatStat(r.metrics[c], r.seeds.length))}</td>`,
        )
        .join("");
      const cls = r.technique === "baseline" ? ' class="baseline"' : "";
      out.push(
        `<tr${cls}><td>${i + 1}</td><td class="name">${esc(r.label)}</td><td>${esc(seedsCell(r))}</td>${cells}</tr>`,
      );
    });
    out.push("</table>");
    const notes = sectionNotes(s);
    if (notes.length) out.push(`<ul class="note">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  }
  return out.join("\n");
}
