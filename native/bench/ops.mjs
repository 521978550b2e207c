// Per-op timings of a few hot ops: node native/bench/ops.mjs <backend> <threads>
// Imports the compiled engine from AL_DIST (default: dist/, i.e. after `npm run build`).
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dist = process.env.AL_DIST ?? new URL("../../dist", import.meta.url).pathname;
const { tf } = await import(pathToFileURL(`${dist}/engine/tf.js`).href);
const { initBackend } = await import(pathToFileURL(`${dist}/engine/backend.js`).href);
{
  await initBackend(process.argv[2] ?? "native", Number(process.argv[3] ?? "1"));
  const time = (name, f, reps = 50) => {
    for (let i = 0; i < 3; i++) tf.dispose(f());
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.dispose(f());
    console.log(`${name.padEnd(40)} ${((performance.now() - t0) / reps).toFixed(3)} ms`);
  };
  const x = tf.randomNormal([128, 784]);
  const w1 = tf.randomNormal([784, 256]);
  const h = tf.randomNormal([128, 256]);
  time("matMul 128x784 . 784x256", () => tf.matMul(x, w1));
  time("matMul x^T . h (784x128x256)", () => tf.matMul(x, h, true, false));
  time("matMul h . w1^T (128x256x784)", () => tf.matMul(h, w1, false, true));
  const big = tf.randomNormal([5760, 128]);
  time("relu [5760,128]", () => tf.relu(big));
  time("mul [5760,128] x scalar", () => tf.mul(big, 0.5));
  time("add [5760,128] + [128]", () => tf.add(big, tf.ones([128])));
  const p = tf.randomNormal([784, 256]);
  time("mul [784,256] x scalar", () => tf.mul(p, 0.9));
  time("sqrt [784,256]", () => tf.sqrt(tf.abs(p)));
  const sm = tf.randomNormal([5760, 120]);
  time("exp [5760,120]", () => tf.exp(sm));
  time("oneHot 5760x120", () => tf.oneHot(tf.zeros([5760], "int32"), 120));
  time("softmaxCE [5760,120]", () => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.zeros([5760], "int32"), 120), sm));
  time("tiny mul [256] x scalar", () => tf.mul(tf.ones([256]), 0.9), 2000);
}
