import { performance } from "node:perf_hooks";
import { NumericalError } from "../util/errors.js";
import type { PerfSession } from "./types.js";

/** How a workload is timed. */
export interface TimingOptions {
  /** Timed blocks; the reported ms/step is the median over blocks. */
  blocks: number;
  /** Steps per block; undefined = calibrate from the warm-up so a block takes about `targetBlockMs`. */
  stepsPerBlock?: number;
  /** Untimed steps first (first-call compilation, buffer allocation, XNNPACK packing). */
  warmupSteps: number;
  /**
   * Warm-up also lasts at least this long (ms), within a quarter of the
   * budget: the cpu/native backends' JavaScript kernels keep getting faster
   * (V8 tiering) for the first second or two, which 2 steps do not cover.
   * Undefined = steps only.
   */
  warmupMs?: number;
  /** Block length aimed at when calibrating (ms). */
  targetBlockMs: number;
  /** Largest calibrated block (steps). */
  maxStepsPerBlock: number;
  /**
   * Wall-time budget (ms) for one workload on one backend, warm-up included:
   * warm-up stops once it has used a quarter of it, and no block starts that
   * would likely end past it. One warm-up step always runs, and one block
   * unless that warm-up step alone used the whole budget.
   * This is what keeps the plain-JS cpu backend (minutes per step on the
   * bigger workloads) from taking hours. Undefined = no budget.
   */
  budgetMs?: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  blocks: 5,
  warmupSteps: 2,
  warmupMs: 3000,
  targetBlockMs: 1000,
  maxStepsPerBlock: 200,
  budgetMs: 120_000,
};

/** Steps per block aimed at `targetMs`, given the warm-up's ms per step; at least 1. */
export function calibrateSteps(warmupMsPerStep: number, targetMs: number, max: number): number {
  if (!(warmupMsPerStep > 0)) return max;
  return Math.max(1, Math.min(max, Math.round(targetMs / warmupMsPerStep)));
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A session being timed block by block (so blocks of another runner can be interleaved). */
export class BlockTimer {
  /** ms per step of each timed block. */
  readonly blockMs: number[] = [];
  /** Loss of every step taken, warm-up included, in order. */
  readonly losses: number[] = [];
  stepsPerBlock = 0;
  warmupMsPerStep = 0;
  /** Warm-up steps actually taken (fewer than asked when the budget ran short). */
  warmupSteps = 0;
  /** Wall ms spent in steps so far, warm-up included. */
  spentMs = 0;

  /** @param now the clock (ms); a seam for tests, performance.now otherwise. */
  constructor(
    private readonly session: PerfSession,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private run(n: number): number {
    const t0 = this.now();
    for (let i = 0; i < n; i++) {
      const loss = this.session.step();
      if (!Number.isFinite(loss)) {
        throw new NumericalError(`loss is ${loss} at step ${this.losses.length + 1}; the workload diverged`);
      }
      this.losses.push(loss);
    }
    const ms = this.now() - t0;
    this.spentMs += ms;
    return ms / n;
  }

  /**
   * Untimed steps (at most `warmupSteps`, fewer once a quarter of the budget
   * is used); fixes `stepsPerBlock` (given, or calibrated from these steps).
   */
  warmup(opts: TimingOptions): void {
    const budget = opts.budgetMs ?? Number.POSITIVE_INFINITY;
    const minMs = opts.warmupMs ?? 0;
    let last = 0;
    while (
      (this.warmupSteps < opts.warmupSteps || (this.warmupSteps > 0 && this.spentMs < minMs)) &&
      (this.warmupSteps === 0 || this.spentMs < budget / 4)
    ) {
      last = this.run(1);
      this.warmupSteps += 1;
    }
    // Calibrate from the last (warmest) step where the warm-up was long enough to warm anything.
    this.warmupMsPerStep = this.warmupSteps > 0 ? this.spentMs / this.warmupSteps : 0;
    const calibrateFrom = this.warmupSteps > opts.warmupSteps ? last : this.warmupMsPerStep;
    this.stepsPerBlock = opts.stepsPerBlock ?? calibrateSteps(calibrateFrom, opts.targetBlockMs, opts.maxStepsPerBlock);
  }

  /**
   * Whether to time another block: the first unless the warm-up alone used
   * the whole budget (then the warm-up is the measurement: see `timingOf`),
   * then up to `blocks` as long as one more block (estimated from the median
   * so far) fits the budget.
   */
  wantsBlock(opts: TimingOptions): boolean {
    const budget = opts.budgetMs ?? Number.POSITIVE_INFINITY;
    if (this.blockMs.length === 0) return !(this.warmupSteps > 0 && this.spentMs >= budget);
    if (this.blockMs.length >= opts.blocks) return false;
    const next = median(this.blockMs) * this.stepsPerBlock;
    return this.spentMs + next <= budget;
  }

  /** One timed block of `stepsPerBlock` steps; returns its ms per step. */
  block(): number {
    if (this.stepsPerBlock < 1) throw new Error("BlockTimer.block: call warmup() first (it fixes the steps per block)");
    const ms = this.run(this.stepsPerBlock);
    this.blockMs.push(ms);
    return ms;
  }
}

/** What one workload measured on one side (tfjs or torch). */
export interface Timing {
  /** Median over blocks of ms per optimiser step. */
  msPerStep: number;
  /** ms per step of each block, in order. */
  blockMs: number[];
  stepsPerBlock: number;
  warmupSteps: number;
  /**
   * True when no block was timed because the warm-up used the whole budget:
   * msPerStep is then the warm-up's (an upper bound: first-call costs included).
   */
  warmupOnly?: boolean;
  /** Loss after the first and the last step (a sanity check that it trained). */
  firstLoss: number;
  lastLoss: number;
}

/** Summarise a finished BlockTimer. */
export function timingOf(t: BlockTimer): Timing {
  if (t.blockMs.length === 0 && t.warmupSteps === 0) throw new Error("timingOf: nothing was timed");
  const warmupOnly = t.blockMs.length === 0;
  return {
    msPerStep: warmupOnly ? t.warmupMsPerStep : median(t.blockMs),
    ...(warmupOnly ? { warmupOnly } : {}),
    blockMs: t.blockMs,
    stepsPerBlock: t.stepsPerBlock,
    warmupSteps: t.warmupSteps,
    firstLoss: t.losses[0],
    lastLoss: t.losses[t.losses.length - 1],
  };
}

/** Warm up, then time up to `blocks` blocks (within the budget) back to back. */
export function timeSession(session: PerfSession, opts: TimingOptions): Timing {
  const t = new BlockTimer(session);
  t.warmup(opts);
  while (t.wantsBlock(opts)) t.block();
  return timingOf(t);
}

/** tfjs ms/step ÷ torch ms/step (above 1: tfjs is slower); null when either is missing or not positive. */
export function ratio(tfjsMs: number | null | undefined, torchMs: number | null | undefined): number | null {
  if (tfjsMs == null || torchMs == null || !(tfjsMs > 0) || !(torchMs > 0)) return null;
  return tfjsMs / torchMs;
}
