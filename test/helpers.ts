import { initBackend } from "../src/engine/backend.js";

/**
 * The fastest backend available for tests: native if built, else wasm. The
 * cpu backend is the reference in kernel tests but far too slow to train on.
 */
export async function fastBackend(): Promise<string> {
  try {
    return (await initBackend("native")).name;
  } catch {
    return (await initBackend("wasm")).name;
  }
}
