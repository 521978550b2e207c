/**
 * The native backend: tfjs' cpu backend (a MathBackendCPU, so every cpu kernel
 * runs on it unchanged) with the hot kernels replaced by C++ on OpenBLAS
 * through an N-API addon (native/, built at install by
 * scripts/build-native.mjs). Kernels read tfjs' own typed arrays and write
 * into arrays that become tfjs' storage: no copies either way.
 *
 * The addon is looked for at `native/build/Release/antilearn_native.node`
 * under the package root (found from this module's location, which differs
 * between src/engine/ under vitest and dist/engine/ when compiled), or at
 * ANTILEARN_NATIVE_ADDON when that is set (a seam for tests and for
 * prebuilt addons). When it is missing, stale, or fails to load, `register`
 * throws a one-line reason and `initBackend("auto")` moves on to wasm.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { registerBackendProvider } from "./backend.js";
import { registerNativeKernels } from "./native-kernels/index.js";
import { NATIVE_ABI_VERSION, NATIVE_BACKEND, type NativeAddon, setNativeAddon } from "./native-kernels/shared.js";
import { tf } from "./tf.js";

const require = createRequire(import.meta.url);

/** The folder holding antilearn's package.json, walking up from this module. */
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

/** Where the addon is expected: ANTILEARN_NATIVE_ADDON, else the package's build output. */
export function nativeAddonPath(): string {
  const env = process.env.ANTILEARN_NATIVE_ADDON;
  if (env !== undefined && env !== "") return resolve(env);
  return join(packageRoot(), "native", "build", "Release", "antilearn_native.node");
}

let loaded: NativeAddon | null = null;

/** Loads (once) and checks the addon; throws a one-line reason when it cannot. */
export function loadNativeAddon(): NativeAddon {
  if (loaded) return loaded;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    throw new Error(
      `native addon not built (${path} is missing; install libopenblas-dev and run node scripts/build-native.mjs)`,
    );
  }
  let mod: NativeAddon;
  try {
    mod = require(path) as NativeAddon;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new Error(`native addon at ${path} failed to load: ${msg}`);
  }
  if (mod.abiVersion !== NATIVE_ABI_VERSION) {
    throw new Error(
      `native addon at ${path} is stale (abi ${mod.abiVersion}, need ${NATIVE_ABI_VERSION}); rebuild with node scripts/build-native.mjs`,
    );
  }
  loaded = mod;
  return mod;
}

let backendRegistered = false;

registerBackendProvider("native", {
  tfName: NATIVE_BACKEND,
  async register(threads: number) {
    const addon = loadNativeAddon();
    // Process-wide: OpenBLAS's threads and the addon's own pool.
    addon.setNumThreads(threads);
    if (backendRegistered) return;
    setNativeAddon(addon);
    registerNativeKernels();
    // Priority 0: never picked implicitly over cpu/wasm; only by setBackend("native").
    tf.registerBackend(
      NATIVE_BACKEND,
      () => {
        const b = new MathBackendCPU();
        // The cpu backend's first write prints "looks like you are running
        // TensorFlow.js in Node.js... install tfjs-node" to the console; this
        // backend is that speed-up, so the advice does not apply.
        (b as unknown as { firstUse: boolean }).firstUse = false;
        return b;
      },
      0,
    );
    backendRegistered = true;
  },
});
