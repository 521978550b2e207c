import type { PerfReport, WorkloadResult } from "./measure.js";
import type { KernelProfile } from "./profile.js";
import { ratio, type Timing } from "./runner.js";

/** ms with 3 significant digits at least (0.412, 4.12, 41.2, 412, 4120). */
export function fmtMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "–";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** A ratio as "4.47×" (two decimals below 10, one up to 100, none above). */
export function fmtRatio(r: number | null): string {
  if (r === null) return "–";
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** ms/step, marked † when it is the warm-up's (no block fitted the budget). */
function cellMs(t: Timing): string {
  return t.warmupOnly ? `${fmtMs(t.msPerStep)}†` : fmtMs(t.msPerStep);
}

function torchMs(w: WorkloadResult): number | undefined {
  return w.torch?.msPerStep;
}

function torchLabel(r: PerfReport): string {
  return r.torch.requested && "version" in r.torch ? `PyTorch ${r.torch.version}` : "PyTorch";
}

/** Lines that say how and where the numbers were taken. */
export function conditions(r: PerfReport): string[] {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  const lines = [
    `${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, antilearn ${r.antilearn}, ${r.startedAt}`,
    `${r.threads} thread${r.threads === 1 ? "" : "s"}; median of ${plural(r.blocks, "timed block")} after warm-up; load average (1, 5, 15 min) before: ${load(r.machine.loadBefore)}, after: ${load(r.machine.loadAfter)}`,
  ];
  for (const u of r.unavailable) lines.push(`backend ${u.backend} unavailable: ${u.reason}`);
  if (r.torch.requested && "skipped" in r.torch) lines.push(`PyTorch skipped: ${r.torch.skipped}`);
  for (const w of r.results) {
    for (const b of w.tfjs) {
      const t = b.timing;
      const steps = (n: number) => `${n} step${n === 1 ? "" : "s"}`;
      if (t.warmupOnly) {
        lines.push(
          `${w.workload} on ${b.backend}: † ${steps(t.warmupSteps)} of warm-up only, which used the whole time budget (an upper bound)`,
        );
      } else if (t.blockMs.length < r.blocks) {
        const n = t.blockMs.length;
        lines.push(
          `${w.workload} on ${b.backend}: ${n} block${n === 1 ? "" : "s"} of ${steps(t.stepsPerBlock)} after ${t.warmupSteps} warm-up (time budget)`,
        );
      }
    }
    if (w.skipped.length > 0) lines.push(`${w.workload}: not run on ${w.skipped.join(", ")} (--skip)`);
    if (w.torchError) lines.push(`PyTorch failed on ${w.workload}: ${w.torchError}`);
    // The two sides must be the same model: a parameter count that differs means they are not.
    const tfjsParams = w.tfjs[0]?.params;
    if (w.torch && tfjsParams !== undefined && w.torch.params !== tfjsParams) {
      lines.push(`WARNING: ${w.workload} has ${tfjsParams} parameters in tfjs but ${w.torch.params} in PyTorch`);
    }
  }
  return lines;
}

/** Plain-text table: one row per workload and backend. */
export function formatText(r: PerfReport, top = 10): string {
  const withTorch = r.torch.requested;
  const head = ["workload", "backend", "ms/step", "steps×blocks", "loss first→last"];
  if (withTorch) head.push("torch ms/step", "tfjs/torch");
  const rows: string[][] = [head];
  for (const w of r.results) {
    for (const b of w.tfjs) {
      const t = b.timing;
      const row = [
        w.workload,
        b.backend,
        cellMs(t),
        t.warmupOnly ? `warm-up ${t.warmupSteps}` : `${t.stepsPerBlock}×${t.blockMs.length}`,
        `${t.firstLoss.toFixed(3)}→${t.lastLoss.toFixed(3)}`,
      ];
      if (withTorch) row.push(fmtMs(torchMs(w)), fmtRatio(ratio(t.msPerStep, torchMs(w))));
      rows.push(row);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const text = rows.map((row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  const out = [...text, "", ...conditions(r)];
  for (const w of r.results) {
    for (const b of w.tfjs)
      if (b.profile) out.push("", ...profileText(`${w.workload} on ${b.backend}`, b.profile, top));
  }
  return `${out.join("\n")}\n`;
}

/** Plain-text kernel table, the `top` kernels then the rest summed. */
export function profileText(title: string, p: KernelProfile, top: number): string[] {
  const rows = profileRows(p, top);
  const head = ["kernel", "calls/step", "ms/step", "share"];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return [
    `profile: ${title} (${plural(p.steps, "step")} under tf.profile, ${fmtMs(p.wallMsPerStep)} ms/step wall)`,
    ...all.map((r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")}`),
  ];
}

/** "1 step", "2 steps". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Rows of a kernel table: top kernels, "(N other kernels)", "(outside kernels)". */
export function profileRows(p: KernelProfile, top: number): string[][] {
  const rows = p.kernels.slice(0, top).map((k) => [k.kernel, fmtCalls(k.calls), fmtMs(k.msPerStep), pct(k.share)]);
  const rest = p.kernels.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((s, k) => s + k.msPerStep, 0);
    const calls = rest.reduce((s, k) => s + k.calls, 0);
    rows.push([`(${rest.length} other kernels)`, fmtCalls(calls), fmtMs(ms), pct(ms / p.wallMsPerStep)]);
  }
  rows.push(["(outside kernels)", "", fmtMs(p.outsideMsPerStep), pct(p.outsideMsPerStep / p.wallMsPerStep)]);
  return rows;
}

function fmtCalls(c: number): string {
  return Number.isInteger(c) ? String(c) : c.toFixed(1);
}

/**
 * Markdown: one row per workload, a ms/step column per backend, then
 * PyTorch and each backend's ratio to it; the conditions as a list below;
 * kernel profiles (if any) as further tables.
 */
export function formatMarkdown(r: PerfReport, command?: string, top = 10): string {
  const withTorch = r.torch.requested;
  const head = ["workload", "batch", ...r.backends.map((b) => `${b} ms/step`)];
  if (withTorch) head.push(`${torchLabel(r)} ms/step`, ...r.backends.map((b) => `${b} ÷ torch`));
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const w of r.results) {
    const timings = r.backends.map((b) => w.tfjs.find((x) => x.backend === b)?.timing);
    const cell = (b: string, t: Timing | undefined) => (t ? cellMs(t) : w.skipped.includes(b) ? "skipped" : "–");
    const cells = [w.workload, w.batchSize.toLocaleString("en-US"), ...timings.map((t, i) => cell(r.backends[i], t))];
    if (withTorch) {
      const ratios = timings.map((t) => {
        const x = fmtRatio(ratio(t?.msPerStep, torchMs(w)));
        return t?.warmupOnly && x !== "–" ? `${x}†` : x;
      });
      cells.push(fmtMs(torchMs(w)), ...ratios);
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
  if (command) lines.push(`- command: \`${command}\``);
  for (const c of conditions(r)) lines.push(`- ${c}`);
  for (const w of r.results) {
    for (const b of w.tfjs) {
      if (!b.profile) continue;
      const p = b.profile;
      lines.push(
        "",
        `**${w.workload} on ${b.backend}** (${plural(p.steps, "step")} under tf.profile, ${fmtMs(p.wallMsPerStep)} ms/step wall)`,
        "",
        "| kernel | calls/step | ms/step | share |",
        "|---|---:|---:|---:|",
        ...profileRows(p, top).map((row) => `| ${row.join(" | ")} |`),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
