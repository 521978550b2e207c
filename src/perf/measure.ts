import { cpus, loadavg } from "node:os";
import { mnistDataDir } from "../data/mnist.js";
import { BACKEND_CHOICES, type BackendChoice, initBackend } from "../engine/backend.js";
import { ConfigError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { WORKLOAD_ORDER, workloads } from "./index.js";
import { type KernelProfile, profileSession } from "./profile.js";
import { BlockTimer, median, type Timing, type TimingOptions, timingOf } from "./runner.js";
import { findTorch, TorchServer } from "./torch.js";

/** Everything `antilearn perf` was asked to do. */
export interface PerfOptions {
  /** Workload names; empty = all, in WORKLOAD_ORDER. */
  workloads: string[];
  /** Backends to time, each in turn (`auto` = whichever `initBackend("auto")` picks). */
  backends: BackendChoice[];
  threads: number;
  timing: TimingOptions;
  /** Also run the PyTorch reference, its blocks interleaved with the tfjs blocks. */
  compareTorch: boolean;
  /** Also profile one block per workload and backend by kernel. */
  profile: boolean;
  seed: number;
  /** Extra arguments for the PyTorch reference script (e.g. `--transformer-variant last`). */
  torchArgs?: string[];
  /** `backend:workload` pairs not to run (the cpu backend takes minutes per step on the full-batch workloads). */
  skip?: string[];
}

/** One backend's result on one workload. */
export interface BackendResult {
  backend: string;
  /** Trainable parameters of the model. */
  params: number;
  timing: Timing;
  profile?: KernelProfile;
}

/** The PyTorch reference's result on one workload. */
export interface TorchResult {
  torch: string;
  python: string;
  variant?: string;
  /** Trainable parameters of the PyTorch model (should equal the tfjs one's). */
  params: number;
  /** Median over all its blocks (one after each tfjs block, so blocks × backends of them). */
  msPerStep: number;
  blockMs: number[];
  stepsPerBlock: number;
  warmupSteps: number;
  lastLoss: number;
}

export interface WorkloadResult {
  workload: string;
  describe: string;
  batchSize: number;
  tfjs: BackendResult[];
  /** Backends not run on this workload (`--skip backend:workload`). */
  skipped: string[];
  torch?: TorchResult;
  /** Why the PyTorch side of this workload has no result, when it was asked for. */
  torchError?: string;
}

/** The whole measurement, as `--json` prints it. */
export interface PerfReport {
  antilearn: string;
  startedAt: string;
  threads: number;
  blocks: number;
  /** Backends that ran (resolved names, `auto` replaced by its pick). */
  backends: string[];
  unavailable: { backend: string; reason: string }[];
  /** Whether PyTorch was asked for, and if so which interpreter, or why it was skipped. */
  torch:
    | { requested: false }
    | { requested: true; python: string; version: string }
    | { requested: true; skipped: string };
  machine: { cpus: number; cpuModel: string; node: string; loadBefore: number[]; loadAfter: number[] };
  results: WorkloadResult[];
}

/** Resolve and check workload names (empty = all, in the documented order). */
export function selectWorkloads(names: readonly string[]): string[] {
  if (names.length === 0) return [...WORKLOAD_ORDER];
  for (const n of names) workloads.get(n); // throws UnknownNameError listing the valid names
  return [...new Set(names)];
}

/** Check `backend:workload` pairs; returns them as a set of the same strings. */
export function parseSkips(pairs: readonly string[]): Set<string> {
  for (const p of pairs) {
    const [backend, workload, extra] = p.split(":");
    if (extra !== undefined || !backend || !workload || !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
      throw new ConfigError(
        `--skip takes backend:workload (backend one of ${BACKEND_CHOICES.join(", ")}), e.g. cpu:modadd-transformer; got '${p}'`,
      );
    }
    workloads.get(workload);
  }
  return new Set(pairs);
}

/**
 * Initialise each requested backend once to find which are available. With a
 * single backend requested, its failure is an error; with several, the
 * unavailable ones are skipped and reported (so one command can produce the
 * whole table on machines with or without the native addon).
 */
async function availableBackends(
  choices: readonly BackendChoice[],
  threads: number,
): Promise<{ names: Exclude<BackendChoice, "auto">[]; unavailable: { backend: string; reason: string }[] }> {
  const names: Exclude<BackendChoice, "auto">[] = [];
  const unavailable: { backend: string; reason: string }[] = [];
  for (const c of new Set(choices)) {
    try {
      const info = await initBackend(c, threads);
      if (!names.includes(info.name)) names.push(info.name);
    } catch (e) {
      if (choices.length === 1) throw e;
      unavailable.push({ backend: c, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  if (names.length === 0) {
    throw new ConfigError(
      `none of the backends ${choices.join(", ")} is available: ${unavailable.map((u) => u.reason).join("; ")}`,
    );
  }
  return { names, unavailable };
}

/**
 * Time the workloads. Per workload: the PyTorch reference (if asked) is
 * started and warmed up; then for each backend the tfjs workload is built,
 * warmed up, and timed block by block, each tfjs block followed by one
 * PyTorch block, so both see the same machine load; then (if asked) one more
 * tfjs block runs under `tf.profile`. `log` gets one line per block.
 */
export async function runPerf(opts: PerfOptions, log: (line: string) => void = () => {}): Promise<PerfReport> {
  const names = selectWorkloads(opts.workloads);
  const skip = parseSkips(opts.skip ?? []);
  const loadBefore = loadavg();
  const startedAt = new Date().toISOString();
  const { names: backends, unavailable } = await availableBackends(opts.backends, opts.threads);
  for (const u of unavailable) log(`perf: backend ${u.backend} unavailable, skipped (${u.reason})`);

  let torch: PerfReport["torch"] = { requested: false };
  if (opts.compareTorch) {
    const probe = findTorch();
    torch = probe.ok
      ? { requested: true, python: probe.python, version: probe.torch }
      : { requested: true, skipped: probe.reason };
    if (!probe.ok) log(`perf: skipping the PyTorch comparison: ${probe.reason}`);
  }

  const results: WorkloadResult[] = [];
  for (const name of names) {
    const w = workloads.get(name);
    const result: WorkloadResult = {
      workload: name,
      describe: w.describe,
      batchSize: w.batchSize,
      tfjs: [],
      skipped: [],
    };
    results.push(result);

    let server: TorchServer | null = null;
    let torchK = 0;
    const torchBlocks: number[] = [];
    let torchLoss = Number.NaN;
    if (torch.requested && "python" in torch) {
      try {
        const started = await TorchServer.start({
          python: torch.python,
          workload: name,
          threads: opts.threads,
          warmupSteps: opts.timing.warmupSteps,
          seed: opts.seed,
          // the script reads MNIST from the same package files as loadMnist
          mnistDir: mnistDataDir(),
          extraArgs: opts.torchArgs,
        });
        server = started.server;
        torchK = opts.timing.stepsPerBlock ?? started.ready.stepsPerBlock;
        result.torch = {
          torch: started.ready.torch,
          python: started.ready.python,
          variant: started.ready.variant,
          params: started.ready.params,
          msPerStep: Number.NaN,
          blockMs: torchBlocks,
          stepsPerBlock: torchK,
          warmupSteps: opts.timing.warmupSteps,
          lastLoss: Number.NaN,
        };
      } catch (e) {
        result.torchError = e instanceof Error ? e.message : String(e);
        log(`perf: ${name}: PyTorch reference failed: ${result.torchError}`);
      }
    }

    /** One PyTorch block (if its process is up); returns the log suffix. */
    const torchBlock = async (): Promise<string> => {
      if (!server) return "";
      try {
        const t = await server.block(torchK);
        torchBlocks.push(t.ms);
        torchLoss = t.loss;
        return `; torch ${t.ms.toFixed(2)} ms/step (${torchK} steps)`;
      } catch (e) {
        result.torchError = e instanceof Error ? e.message : String(e);
        log(`perf: ${name}: PyTorch reference failed: ${result.torchError}`);
        server.close();
        server = null;
        return "";
      }
    };

    try {
      for (const backend of backends) {
        if (skip.has(`${backend}:${name}`)) {
          result.skipped.push(backend);
          log(`perf: ${name} on ${backend}: skipped (--skip)`);
          continue;
        }
        await initBackend(backend, opts.threads);
        const session = w.build(opts.seed);
        try {
          const timer = new BlockTimer(session);
          timer.warmup(opts.timing);
          log(
            `perf: ${name} on ${backend}: warm-up ${timer.warmupSteps} step(s) at ${timer.warmupMsPerStep.toFixed(1)} ms/step`,
          );
          for (let b = 0; timer.wantsBlock(opts.timing); b++) {
            const ms = timer.block();
            const t = await torchBlock();
            log(
              `perf: ${name} on ${backend}: block ${b + 1}/${opts.timing.blocks}: ${ms.toFixed(2)} ms/step (${timer.stepsPerBlock} steps)${t}`,
            );
          }
          const entry: BackendResult = {
            backend,
            params: session.params,
            timing: timingOf(timer),
          };
          if (opts.profile) {
            entry.profile = await profileSession(session, timer.stepsPerBlock);
            log(`perf: ${name} on ${backend}: profiled ${timer.stepsPerBlock} steps`);
          }
          result.tfjs.push(entry);
        } finally {
          session.dispose();
        }
      }
      // PyTorch gets at least `blocks` blocks even where the tfjs side was
      // skipped or cut short by the budget (the cpu backend).
      while (server && torchBlocks.length < opts.timing.blocks) {
        log(`perf: ${name}: torch block ${torchBlocks.length + 1}/${opts.timing.blocks}${await torchBlock()}`);
      }
    } finally {
      server?.close();
    }
    if (result.torch) {
      if (torchBlocks.length > 0) {
        result.torch.msPerStep = median(torchBlocks);
        result.torch.lastLoss = torchLoss;
      } else {
        delete result.torch;
      }
    }
  }

  return {
    antilearn: VERSION,
    startedAt,
    threads: opts.threads,
    blocks: opts.timing.blocks,
    backends,
    unavailable,
    torch,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      loadBefore,
      loadAfter: loadavg(),
    },
    results,
  };
}
