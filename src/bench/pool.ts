import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BackendChoice } from "../engine/backend.js";
import type { RunRecord } from "../store/types.js";
import { ConfigError } from "../util/errors.js";
import { VERSION } from "../version.js";
import type { FromWorker, ToWorker } from "./messages.js";
import type { PlannedRun } from "./plan.js";

/** Settings of a worker pool. */
export interface PoolOptions {
  /** Worker processes (default: one per core). */
  workers?: number;
  /** Backend each worker initialises (default auto). */
  backend?: BackendChoice;
  /** Compute threads per worker (default 1: parallelism comes from processes). */
  threads?: number;
  /** Modules each worker imports first: plugins that register tasks, models or techniques. */
  imports?: string[];
  /** How often a run whose worker crashed is retried before it is recorded as failed (default 1). */
  retries?: number;
  /** Progress and lifecycle events, for the CLI's output. */
  onEvent?: (e: PoolEvent) => void;
}

/** What the pool reports while it works. */
export type PoolEvent =
  | { type: "worker"; worker: number; pid: number; backend: string; threads: number }
  | { type: "start"; worker: number; id: string; attempt: number }
  | { type: "progress"; worker: number; id: string; step: number; steps: number; accX?: number; accY?: number }
  | { type: "done"; worker: number; id: string; record: RunRecord }
  | { type: "crash"; worker: number; id: string; error: string; retry: boolean };

/** How a pool run ended. */
export interface PoolResult {
  /** Records handed to `onRecord` (ok or failed). */
  recorded: number;
  /** Runs that were in flight when the pool was told to abandon them (not recorded). */
  abandoned: string[];
  /** Runs never started because the pool was stopped. */
  notStarted: string[];
}

/** One core per worker by default. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * The worker entry point: compiled JS next to this file, or, when running
 * from source, the .ts file with tsx's loader (resolved from this package so
 * it works from any working directory).
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    return {
      file: join(dirname(here), "worker.ts"),
      execArgv: [...WORKER_V8_FLAGS, "--import", pathToFileURL(tsx).href],
    };
  }
  return { file: join(dirname(here), "worker.js"), execArgv: [...WORKER_V8_FLAGS] };
}

/**
 * V8 flags of every worker. Training allocates a fresh buffer per kernel
 * output, and V8's parallel GC helper threads then kept a second core busy
 * (a single `group-mlp` process used 7.9 s of CPU in 6.0 s of wall time): two
 * workers on 2 cores ran at ×1.05 the throughput of one. With the GC on the
 * worker's own thread the step time is unchanged (63.9 ms alone) and two
 * workers ran at ×1.6. A worker is one compute thread by design, so its
 * garbage collector is too. A larger young generation (64 MB semi-spaces)
 * means fewer scavenges of the many short-lived tensor wrappers: another few
 * percent alone and ×1.8 for two (bench/throughput.ts measures the pool).
 */
export const WORKER_V8_FLAGS: readonly string[] = ["--single-threaded-gc", "--max-semi-space-size=64"];

interface Slot {
  index: number;
  child: ChildProcess;
  ready: boolean;
  info?: Extract<FromWorker, { type: "ready" }>;
  busy?: { run: PlannedRun; attempt: number; startedAt: number };
  /** The last few KB of the worker's stderr, for crash reports. */
  stderr: string;
  exiting: boolean;
}

/** A failed record for a run that has no record of its own (its worker crashed, or the pipeline threw). */
export function failedRecord(
  run: PlannedRun,
  error: string,
  info?: { backend: string; threads: number; versions: Record<string, string> },
  elapsedMs = 0,
): RunRecord {
  return {
    id: run.id,
    status: "failed",
    error,
    config: { ...run.config } as RunRecord["config"],
    seed: run.config.seed,
    backend: info?.backend ?? "unknown",
    threads: info?.threads ?? 1,
    versions: info?.versions ?? { antilearn: VERSION },
    metrics: {},
    chance: { x: Number.NaN, y: Number.NaN },
    steps: 0,
    log: {},
    curves: {},
    extra: {},
    timing: { buildMs: 0, trainMs: 0, evalMs: 0, totalMs: elapsedMs },
    createdAt: new Date().toISOString(),
  };
}

/**
 * A pool of worker processes that execute planned runs in parallel. Each
 * worker is its own process (its own tfjs, one compute thread), so a crash
 * (a native fault, an OOM kill) takes down one run, not the bench: that run
 * is retried once on a fresh worker, then recorded as failed with the
 * worker's exit status and last stderr. Records come back to the parent,
 * which hands them to `onRecord` (the caller stores each in one transaction).
 *
 * `stop()` lets in-flight runs finish and starts no more; `abandon()` kills
 * the workers now and records nothing for their runs.
 */
export class WorkerPool {
  private readonly opts: Required<Omit<PoolOptions, "onEvent">> & Pick<PoolOptions, "onEvent">;
  private slots: Slot[] = [];
  private queue: PlannedRun[] = [];
  private readonly attempts = new Map<string, number>();
  private stopping = false;
  private abandoned: string[] = [];
  private nextIndex = 0;
  private recorded = 0;
  private settle?: { resolve: (r: PoolResult) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(opts: PoolOptions = {}) {
    const workers = opts.workers ?? defaultWorkers();
    if (!Number.isInteger(workers) || workers < 1)
      throw new ConfigError(`workers must be an integer ≥ 1, got ${workers}`);
    this.opts = {
      workers,
      backend: opts.backend ?? "auto",
      threads: opts.threads ?? 1,
      imports: opts.imports ?? [],
      retries: opts.retries ?? 1,
      onEvent: opts.onEvent,
    };
  }

  /**
   * Execute the runs; `onRecord` is called once per run, with its record
   * (ok or failed). Resolves when every run is recorded, or when the pool
   * was stopped and in-flight work has finished or been abandoned.
   */
  run(runs: readonly PlannedRun[], onRecord: (r: RunRecord) => void): Promise<PoolResult> {
    if (this.settle) throw new Error("WorkerPool.run is already running; one call per pool");
    this.queue = [...runs];
    return new Promise<PoolResult>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.onRecord = onRecord;
      const n = Math.min(this.opts.workers, this.queue.length);
      if (n === 0) this.finish();
      for (let i = 0; i < n; i++) this.spawn();
    });
  }

  /** Start no more runs; let in-flight ones finish and be recorded. */
  stop(): void {
    this.stopping = true;
    for (const s of this.slots) if (!s.busy) this.retire(s);
    this.maybeFinish();
  }

  /** Kill every worker now; their in-flight runs are not recorded (the next bench re-runs them). */
  abandon(): void {
    this.stopping = true;
    for (const s of this.slots) {
      if (s.busy) this.abandoned.push(s.busy.run.id);
      s.busy = undefined;
      s.exiting = true;
      s.child.kill("SIGKILL");
    }
    this.maybeFinish();
  }

  private onRecord: (r: RunRecord) => void = () => {};

  private emit(e: PoolEvent): void {
    this.opts.onEvent?.(e);
  }

  private spawn(): void {
    const { file, execArgv } = workerEntry();
    const child = fork(file, [], {
      execArgv,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
      env: {
        ...process.env,
        ANTILEARN_THREADS: String(this.opts.threads),
        OPENBLAS_NUM_THREADS: String(this.opts.threads),
      },
    });
    const slot: Slot = { index: this.nextIndex++, child, ready: false, stderr: "", exiting: false };
    this.slots.push(slot);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      slot.stderr = (slot.stderr + d).slice(-4000);
    });
    child.on("message", (m: FromWorker) => this.onMessage(slot, m));
    child.on("exit", (code, signal) => this.onExit(slot, code, signal));
    child.on("error", () => {
      // 'exit' follows (or the spawn failed and 'exit' reports it); nothing else to do
    });
    const init: ToWorker = {
      type: "init",
      backend: this.opts.backend,
      threads: this.opts.threads,
      imports: this.opts.imports,
    };
    child.send(init);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === "ready") {
      slot.ready = true;
      slot.info = m;
      this.emit({
        type: "worker",
        worker: slot.index,
        pid: slot.child.pid ?? -1,
        backend: m.backend,
        threads: m.threads,
      });
      this.dispatch(slot);
    } else if (m.type === "fatal") {
      this.fail(new ConfigError(`a bench worker could not start: ${m.error}`));
    } else if (m.type === "progress") {
      this.emit({ ...m, worker: slot.index });
    } else if (m.type === "done" || m.type === "error") {
      const busy = slot.busy;
      if (!busy || busy.run.id !== m.id) return; // abandoned meanwhile
      const record =
        m.type === "done" ? m.record : failedRecord(busy.run, m.error, slot.info, performance.now() - busy.startedAt);
      slot.busy = undefined;
      this.record(slot, record);
      this.dispatch(slot);
    }
  }

  private record(slot: Slot, record: RunRecord): void {
    try {
      this.onRecord(record);
      this.recorded++;
      this.emit({ type: "done", worker: slot.index, id: record.id, record });
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private dispatch(slot: Slot): void {
    if (this.stopping || this.queue.length === 0) {
      this.retire(slot);
      this.maybeFinish();
      return;
    }
    const run = this.queue.shift() as PlannedRun;
    const attempt = (this.attempts.get(run.id) ?? 0) + 1;
    this.attempts.set(run.id, attempt);
    slot.busy = { run, attempt, startedAt: performance.now() };
    this.emit({ type: "start", worker: slot.index, id: run.id, attempt });
    const msg: ToWorker = { type: "run", id: run.id, config: run.config };
    slot.child.send(msg);
  }

  private retire(slot: Slot): void {
    if (slot.exiting) return;
    slot.exiting = true;
    if (slot.child.connected) slot.child.send({ type: "exit" } satisfies ToWorker);
    else slot.child.kill();
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    this.slots = this.slots.filter((s) => s !== slot);
    const busy = slot.busy;
    slot.busy = undefined;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const tail = slot.stderr.trim().split("\n").slice(-5).join("\n");
    if (!slot.ready && !slot.exiting && !this.failure) {
      this.fail(new Error(`a bench worker died while starting (${how})${tail ? `:\n${tail}` : ""}`));
      return;
    }
    if (busy) {
      const retry = busy.attempt <= this.opts.retries && !this.stopping;
      const error = `worker crashed (${how}) on attempt ${busy.attempt}${tail ? `; its last stderr: ${tail}` : ""}`;
      this.emit({ type: "crash", worker: slot.index, id: busy.run.id, error, retry });
      if (retry) this.queue.unshift(busy.run);
      else this.record(slot, failedRecord(busy.run, error, slot.info, performance.now() - busy.startedAt));
      if (!this.stopping && this.queue.length > 0 && !this.failure) this.spawn();
    }
    this.maybeFinish();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.abandon();
  }

  private maybeFinish(): void {
    if (this.slots.length > 0 || !this.settle) return;
    if (!this.stopping && this.queue.length > 0 && !this.failure) return;
    this.finish();
  }

  private finish(): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = undefined;
    if (this.failure) settle.reject(this.failure);
    else
      settle.resolve({ recorded: this.recorded, abandoned: this.abandoned, notStarted: this.queue.map((r) => r.id) });
  }
}
