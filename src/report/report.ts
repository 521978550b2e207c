import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildLeaderboard, type LeaderboardSection, recordScores } from "../bench/aggregate.js";
import { meanCI } from "../eval/stats.js";
import type { PlanInfo } from "../store/sqlite.js";
import type { RunRecord } from "../store/types.js";
import { VERSION } from "../version.js";
import { configValue, fourierRows, irrepRows, probeRows, relearnRows, trainingCurveRows } from "./data.js";
import { esc, htmlPage } from "./html.js";
import { leaderboardHtml, leaderboardMarkdown } from "./leaderboard.js";
import {
  fourierSpec,
  irrepSpec,
  probeSpec,
  relearnSpec,
  type SweepPoint,
  sweepSpec,
  trainingCurvesSpec,
} from "./plots.js";
import { renderPlot, type VegaLiteSpec } from "./render.js";
import { baselineTableMarkdown, sweepTableMarkdown } from "./tables.js";

/** A saved plan with its run ids (see `ResultStore.plans` / `planIds`). */
export interface PlanWithIds {
  info: PlanInfo;
  ids: string[];
}

/** What to report on. */
export interface ReportInput {
  records: readonly RunRecord[];
  /** Plans whose sweeps get sweep plots (suites need none: the leaderboard covers them). */
  plans?: readonly PlanWithIds[];
  title?: string;
  /** Plot at most this many techniques per setting, best ranked first (the baseline always). */
  maxSeries?: number;
}

/** The files a report wrote. */
export interface ReportFiles {
  dir: string;
  report: string;
  leaderboardMd: string;
  leaderboardHtml: string;
  /** Per setting, what plain training carries over (baseline accX/accY vs chance), Markdown. */
  baselinesMd: string;
  /** Every sweep's table (metric per value of each swept key), Markdown; absent without sweeps. */
  sweepsMd?: string;
  pngs: string[];
}

/** Where a report's files are, one line each, for the CLI's summary. */
export function describeFiles(files: ReportFiles): string {
  const lines = [
    `leaderboard: ${files.leaderboardMd}`,
    `             ${files.leaderboardHtml}`,
    `baselines:   ${files.baselinesMd}`,
    ...(files.sweepsMd ? [`sweeps:      ${files.sweepsMd}`] : []),
    `report:      ${files.report} (${files.pngs.length} plots in ${join(files.dir, "plots")})`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Metrics shown in sweep plots, when present. */
const SWEEP_METRICS = ["score", "accX", "accY", "probeY", "relearnY"] as const;

interface Figure {
  title: string;
  file: string;
  png: Buffer;
}

/** The rows of a section worth plotting: the best `max` by rank, plus the baseline. */
function plotted(s: LeaderboardSection, max: number) {
  const top = s.rows.slice(0, max);
  const base = s.rows.find((r) => r.technique === "baseline");
  if (base && !top.includes(base)) top.push(base);
  return top;
}

function sweepAxes(spec: unknown): string[] {
  const axes = (spec as { axes?: { key?: unknown }[] } | undefined)?.axes;
  return Array.isArray(axes) ? axes.map((a) => a.key).filter((k): k is string => typeof k === "string") : [];
}

/** Mean ± CI of each metric at each value of `key`, one series per combination of the other swept keys. */
export function sweepPoints(
  records: readonly RunRecord[],
  key: string,
  others: readonly string[],
  scores: ReturnType<typeof recordScores>,
): SweepPoint[] {
  const groups = new Map<string, { x: number | string; series: string; recs: RunRecord[] }>();
  for (const r of records) {
    if (r.status !== "ok") continue;
    const xv = configValue(r, key);
    if (xv === undefined) continue;
    const x = typeof xv === "number" ? xv : JSON.stringify(xv);
    const series = others.length
      ? others.map((o) => `${o.split(".")[1]}=${JSON.stringify(configValue(r, o))}`).join(", ")
      : "all";
    const k = JSON.stringify([x, series]);
    const g = groups.get(k) ?? { x, series, recs: [] };
    g.recs.push(r);
    groups.set(k, g);
  }
  const out: SweepPoint[] = [];
  for (const g of groups.values()) {
    for (const metric of SWEEP_METRICS) {
      const vals = g.recs
        .map((r) => (metric === "score" ? scores.get(r.id)?.score : r.metrics[metric]))
        .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      if (!vals.length) continue;
      const ci = meanCI(vals);
      out.push({ x: g.x, series: g.series, metric, mean: ci.mean, lo: ci.lo, hi: ci.hi, n: ci.n });
    }
  }
  return out.sort((a, b) => (a.x < b.x ? -1 : a.x > b.x ? 1 : 0));
}

/**
 * Write the leaderboard (Markdown and self-contained HTML) and the report
 * (self-contained HTML with the plots embedded, plus each plot as a PNG):
 * training curves per setting, relearning curves against a fresh model,
 * probe accuracy per hook,
 * irrep shares and Fourier spectra where the runs have them, and a plot per
 * swept key of every sweep plan.
 */
export async function writeReport(input: ReportInput, outDir: string): Promise<ReportFiles> {
  const title = input.title ?? "antilearn report";
  const max = input.maxSeries ?? 8;
  const plotsDir = join(outDir, "plots");
  mkdirSync(plotsDir, { recursive: true });
  // A report owns its plots folder: PNGs of an earlier report (other settings, other numbering) would pass for this one's.
  for (const f of readdirSync(plotsDir)) if (f.endsWith(".png")) rmSync(join(plotsDir, f));
  const records = input.records;
  const byId = new Map(records.map((r) => [r.id, r]));
  const sections = buildLeaderboard(records);
  const figures = new Map<string, Figure[]>();
  const pngs: string[] = [];

  const add = async (group: string, name: string, figTitle: string, spec: VegaLiteSpec) => {
    const { png } = await renderPlot(spec);
    const file = join(plotsDir, `${name}.png`);
    writeFileSync(file, png);
    pngs.push(file);
    figures.set(group, [...(figures.get(group) ?? []), { title: figTitle, file, png }]);
  };

  for (const [i, s] of sections.entries()) {
    const slug = `${String(i + 1).padStart(2, "0")}-${s.task}`;
    const recs = plotted(s, max).flatMap((row) =>
      row.ids.map((id) => ({ series: row.label, r: byId.get(id) as RunRecord })).filter((x) => x.r.status === "ok"),
    );
    const curves = recs.flatMap(({ series, r }) => trainingCurveRows(series, r));
    if (curves.length)
      await add(s.key, `${slug}-training`, "Training curves", trainingCurvesSpec(curves, `Training: ${s.label}`));
    const relearn = recs.flatMap(({ series, r }) => relearnRows(series, r));
    if (relearn.length) {
      await add(s.key, `${slug}-relearn`, "Relearning attack", relearnSpec(relearn, `Relearning vs fresh: ${s.label}`));
    }
    const probes = recs.flatMap(({ series, r }) => probeRows(series, r));
    if (probes.length) await add(s.key, `${slug}-probe`, "Probes per hook", probeSpec(probes, `Probes: ${s.label}`));
    const irreps = recs.flatMap(({ series, r }) => irrepRows(series, r));
    for (const group of [...new Set(irreps.map((x) => x.group))]) {
      const rows = irreps.filter((x) => x.group === group);
      await add(
        s.key,
        `${slug}-irreps-${group}`,
        `Irrep shares (${group})`,
        irrepSpec(rows, `Irreps of ${group}: ${s.label}`),
      );
    }
    const fourier = recs.flatMap(({ series, r }) => fourierRows(series, r));
    if (fourier.length) {
      await add(s.key, `${slug}-fourier`, "Fourier spectra", fourierSpec(fourier, `Fourier spectra: ${s.label}`));
    }
  }

  const scores = recordScores(records);
  const sweeps: { plan: PlanWithIds; keys: string[] }[] = [];
  const sweepMd: string[] = [];
  for (const plan of input.plans ?? []) {
    if (plan.info.kind !== "sweep") continue;
    const recs = plan.ids.map((id) => byId.get(id)).filter((r): r is RunRecord => r !== undefined);
    const keys = sweepAxes(plan.info.spec);
    if (!recs.length || !keys.length) continue;
    sweeps.push({ plan, keys });
    for (const key of keys) {
      const points = sweepPoints(
        recs,
        key,
        keys.filter((k) => k !== key),
        scores,
      );
      if (!points.length) continue;
      sweepMd.push(`## Sweep ${plan.info.name}: ${key}`, "", sweepTableMarkdown(points, key));
      const name = `sweep-${plan.info.name}-${key}`.replace(/[^A-Za-z0-9._-]+/g, "_");
      await add(
        `sweep:${plan.info.name}`,
        name,
        `${key}`,
        sweepSpec(points, key, `Sweep ${plan.info.name}: metrics vs ${key}`),
      );
    }
  }

  const leaderboardMdFile = join(outDir, "leaderboard.md");
  writeFileSync(leaderboardMdFile, leaderboardMarkdown(sections));
  const lbHtml = leaderboardHtml(sections);
  const leaderboardHtmlFile = join(outDir, "leaderboard.html");
  writeFileSync(leaderboardHtmlFile, htmlPage("antilearn leaderboard", `<h1>Leaderboard</h1>\n${lbHtml}`));

  const baselinesMdFile = join(outDir, "baselines.md");
  writeFileSync(
    baselinesMdFile,
    [
      "# What plain training carries over",
      "",
      "The baseline (plain training on X.train) per setting: accuracy on X.test and Y.test, mean ± 95% Student-t CI over seeds, chance levels, and the probe and relearning-attack accuracies on Y.test. Times are means per run.",
      "",
      baselineTableMarkdown(sections, records),
    ].join("\n"),
  );
  let sweepsMdFile: string | undefined;
  if (sweepMd.length) {
    sweepsMdFile = join(outDir, "sweeps.md");
    writeFileSync(sweepsMdFile, ["# Sweeps", "", "Mean ± 95% CI over seeds at each value.", "", ...sweepMd].join("\n"));
  }

  const img = (f: Figure) =>
    `<figure><img alt="${esc(f.title)}" src="data:image/png;base64,${f.png.toString("base64")}"><figcaption class="meta">${esc(
      f.title,
    )} (<code>${esc(relative(outDir, f.file))}</code>)</figcaption></figure>`;
  const ok = records.filter((r) => r.status === "ok").length;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${records.length} runs (${ok} ok, ${records.length - ok} failed), ${sections.length} settings; antilearn ${esc(
      VERSION,
    )}; generated ${esc(new Date().toISOString())}</p>`,
    "<h2>Leaderboard</h2>",
    lbHtml,
  ];
  for (const s of sections) {
    const figs = figures.get(s.key) ?? [];
    if (!figs.length) continue;
    body.push(`<h2>${esc(s.label)}</h2>`, ...figs.map(img));
  }
  for (const { plan, keys } of sweeps) {
    body.push(
      `<h2>Sweep ${esc(plan.info.name)}</h2>`,
      `<p class="meta">swept: ${keys.map((k) => `<code>${esc(k)}</code>`).join(", ")}; ${plan.ids.length} runs</p>`,
      ...(figures.get(`sweep:${plan.info.name}`) ?? []).map(img),
    );
  }
  const reportFile = join(outDir, "report.html");
  writeFileSync(reportFile, htmlPage(title, body.join("\n")));
  return {
    dir: outDir,
    report: reportFile,
    leaderboardMd: leaderboardMdFile,
    leaderboardHtml: leaderboardHtmlFile,
    baselinesMd: baselinesMdFile,
    ...(sweepsMdFile ? { sweepsMd: sweepsMdFile } : {}),
    pngs,
  };
}
