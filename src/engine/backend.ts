import { createRequire } from "node:module";
import { ConfigError } from "../util/errors.js";
import { tf } from "./tf.js";

const require = createRequire(import.meta.url);

/** Backends a user can ask for. `auto` picks the fastest one available. */
export const BACKEND_CHOICES = ["auto", "native", "node", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * Order in which `auto` tries backends, fastest first (see README "Backends"):
 * - `node`: `@tensorflow/tfjs-node` (libtensorflow), only if the user installed it;
 * - `native`: our tfjs backend on OpenBLAS (built at install when libopenblas is present);
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` with SIMD, plus the training kernels it lacks;
 * - `cpu`: plain JavaScript, always present.
 */
export const AUTO_ORDER: readonly Exclude<BackendChoice, "auto">[] = ["node", "native", "wasm", "cpu"];

/** Hooks that other modules (native backend, wasm kernels) use to make a backend available. */
export interface BackendProvider {
  /** tfjs backend name once registered ("tensorflow" for tfjs-node). */
  tfName: string;
  /** Registers the backend (and its kernels) with tfjs; idempotent; throws with a one-line reason when it cannot. */
  register(threads: number): Promise<void>;
}

const providers = new Map<Exclude<BackendChoice, "auto">, BackendProvider>();

/** Make a backend choosable. Called once per backend module at import time. */
export function registerBackendProvider(name: Exclude<BackendChoice, "auto">, p: BackendProvider): void {
  providers.set(name, p);
}

registerBackendProvider("cpu", {
  tfName: "cpu",
  async register() {
    // imported by ./tf.ts; nothing to do
  },
});

registerBackendProvider("node", {
  tfName: "tensorflow",
  async register() {
    // Optional dependency: present only if the user installed it themselves.
    // It must share our tfjs-core instance, or its kernels would land elsewhere.
    let resolved: string;
    try {
      resolved = require.resolve("@tensorflow/tfjs-node");
    } catch {
      throw new Error("@tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node)");
    }
    require(resolved);
    if (!tf.findBackendFactory("tensorflow")) {
      throw new Error("@tensorflow/tfjs-node loaded but registered no backend with this tfjs-core (version mismatch?)");
    }
  },
});

export interface BackendInfo {
  /** The antilearn name of the chosen backend (cpu | wasm | native | node). */
  name: Exclude<BackendChoice, "auto">;
  /** What was tried before it and why it was skipped (for the one-line notice). */
  skipped: { name: string; reason: string }[];
  threads: number;
}

let current: BackendInfo | null = null;

/** Number of intra-op threads: explicit value, else ANTILEARN_THREADS, else 1. */
export function resolveThreads(threads?: number): number {
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new ConfigError(`threads must be a positive integer, got ${threads}`);
    return threads;
  }
  const env = process.env.ANTILEARN_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`ANTILEARN_THREADS must be a positive integer, got '${env}'`);
    return n;
  }
  return 1;
}

async function tryBackend(name: Exclude<BackendChoice, "auto">, threads: number): Promise<void> {
  const p = providers.get(name);
  if (!p) throw new Error(`backend '${name}' is not available in this build`);
  await p.register(threads); // providers are idempotent
  const ok = await tf.setBackend(p.tfName);
  if (!ok) throw new Error(`tfjs could not initialise backend '${p.tfName}'`);
  await tf.ready();
}

/**
 * Choose and initialise a backend. `auto` walks AUTO_ORDER and takes the
 * first that initialises; an explicit name that fails is an error. The
 * result is remembered (`currentBackend()`) so it can be recorded with runs.
 */
export async function initBackend(choice: BackendChoice = "auto", threads?: number): Promise<BackendInfo> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new ConfigError(`unknown backend '${choice}'; valid backends: ${BACKEND_CHOICES.join(", ")}`);
  }
  const nThreads = resolveThreads(threads);
  await loadOptionalProviders();
  const skipped: { name: string; reason: string }[] = [];
  const order = choice === "auto" ? AUTO_ORDER : [choice];
  for (const name of order) {
    try {
      await tryBackend(name, nThreads);
      current = { name, skipped, threads: nThreads };
      return current;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (choice !== "auto") throw new ConfigError(`backend '${name}' is not available: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error("no backend could be initialised (this should not happen: cpu is always present)");
}

/** The backend chosen by the last `initBackend`, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}

let optionalLoaded = false;
/** Import the modules that register the wasm and native providers (lazily: they are heavy). */
async function loadOptionalProviders(): Promise<void> {
  if (optionalLoaded) return;
  optionalLoaded = true;
  await import("./wasm.js");
  await import("./native.js");
}
