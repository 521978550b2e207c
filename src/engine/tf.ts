/**
 * The one import of TensorFlow.js for the whole project. Every module takes
 * `tf` from here so that there is exactly one tfjs-core instance (kernels are
 * registered per instance) and the cpu backend is always available as the
 * fallback and as the reference the faster backends are tested against.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

// Gradients: tfjs-core's Node bundle has none (see scripts/bundle-gradients.mjs).
const gradientsPath = new URL("../../vendor/tfjs-gradients.cjs", import.meta.url);
if (!existsSync(gradientsPath)) {
  throw new Error(
    `antilearn: ${gradientsPath.pathname} is missing; run 'npm run build' (it bundles tfjs' gradient definitions)`,
  );
}
createRequire(import.meta.url)(gradientsPath.pathname);

// Production mode: skips tfjs' debug-only checks and silences the cpu
// backend's banner, which would otherwise corrupt `--json` output on stdout.
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
