// Benchmarks the two reference workloads on one backend:
//   mlp:   784-256-256-10 MLP, batch 128, Adam (the AdamW update below with weight decay 0)
//   embed: two gathers from 120x256 tables, concat, matmul->128, relu, matmul->120,
//          softmax cross-entropy, batch 5760, AdamW (weight decay 1)
// Usage: node native/bench/train.mjs <cpu|wasm|native> <threads> <mlp|embed> [steps] [--profile] [--fused-adam] [--warmup=N]
// --fused-adam: one AntilearnAdamW kernel per variable where the backend has it (native).
// --warmup=N: untimed steps first (default 3).
// Imports the compiled engine from AL_DIST (default: dist/, i.e. after `npm run build`).
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dist = process.env.AL_DIST ?? new URL("../../dist", import.meta.url).pathname;
const { tf } = await import(pathToFileURL(`${dist}/engine/tf.js`).href);
const { initBackend } = await import(pathToFileURL(`${dist}/engine/backend.js`).href);
const [backend = "cpu", threadsArg = "1", workload = "mlp", stepsArg = "20"] = process.argv.slice(2);
const profile = process.argv.includes("--profile");
const fusedAdam = process.argv.includes("--fused-adam");
const warmup = Number(process.argv.find((a) => a.startsWith("--warmup="))?.slice(9) ?? 3);
const { fusedAdamW } = await import(pathToFileURL(`${dist}/engine/native-kernels/AntilearnAdamW.js`).href);
const threads = Number(threadsArg);
const steps = Number(stepsArg);
const info = await initBackend(backend, threads);
if (info.name !== backend) throw new Error(`got ${info.name}`);

let seed = 12345;
function rnd() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function randn(shape, scale) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rnd() * 2 - 1) * scale;
  return tf.variable(tf.tensor(v, shape));
}

class AdamW {
  constructor(vars, lr, wd) {
    this.vars = vars;
    this.lr = lr;
    this.wd = wd;
    this.t = 0;
    this.m = {};
    this.v = {};
    for (const [k, p] of Object.entries(vars)) {
      this.m[k] = tf.variable(tf.zerosLike(p), false);
      this.v[k] = tf.variable(tf.zerosLike(p), false);
    }
  }
  step(grads) {
    this.t += 1;
    const b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = this.lr, wd = this.wd;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      for (const [k, p] of Object.entries(this.vars)) {
        const g = grads[k];
        const m = this.m[k];
        const v = this.v[k];
        if (fusedAdam) {
          const r = fusedAdamW(p, g, m, v, {
            beta1: b1, beta2: b2, eps, stepSize: lr / bc1, sqrtBiasCorrection2: Math.sqrt(bc2), decay: 1 - lr * wd,
          });
          if (r) {
            p.assign(r[0]);
            m.assign(r[1]);
            v.assign(r[2]);
            continue;
          }
        }
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(mNew);
        v.assign(vNew);
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(bc2)), eps);
        const update = tf.mul(tf.div(mNew, denom), lr / bc1);
        const decayed = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(decayed, update));
      }
    });
  }
}

let params, lossFn, x, y;
if (workload === "mlp") {
  const B = 128;
  params = {
    W1: randn([784, 256], 0.05), b1: randn([256], 0.01),
    W2: randn([256, 256], 0.06), b2: randn([256], 0.01),
    W3: randn([256, 10], 0.06), b3: randn([10], 0.01),
  };
  const xv = new Float32Array(B * 784);
  for (let i = 0; i < xv.length; i++) xv[i] = rnd();
  x = tf.tensor(xv, [B, 784]);
  const yv = new Int32Array(B);
  for (let i = 0; i < B; i++) yv[i] = Math.floor(rnd() * 10);
  y = tf.tensor1d(yv, "int32");
  lossFn = () => {
    const h1 = tf.relu(tf.add(tf.matMul(x, params.W1), params.b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1, params.W2), params.b2));
    const logits = tf.add(tf.matMul(h2, params.W3), params.b3);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits);
  };
} else {
  const B = 5760, V = 120, D = 256, H = 128;
  params = {
    EL: randn([V, D], 0.06), ER: randn([V, D], 0.06),
    W1: randn([2 * D, H], 0.04), U: randn([H, V], 0.09),
  };
  const xv = new Int32Array(B * 2);
  for (let i = 0; i < xv.length; i++) xv[i] = Math.floor(rnd() * V);
  x = tf.tensor(xv, [B, 2], "int32");
  const yv = new Int32Array(B);
  for (let i = 0; i < B; i++) yv[i] = Math.floor(rnd() * V);
  y = tf.tensor1d(yv, "int32");
  lossFn = () => {
    const l = tf.gather(params.EL, tf.reshape(tf.slice(x, [0, 0], [B, 1]), [B]));
    const r = tf.gather(params.ER, tf.reshape(tf.slice(x, [0, 1], [B, 1]), [B]));
    const h = tf.concat([l, r], 1);
    const post = tf.relu(tf.matMul(h, params.W1));
    const logits = tf.matMul(post, params.U);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, V), logits);
  };
}
const opt = new AdamW(params, 1e-3, workload === "embed" ? 1.0 : 0);
function step() {
  const { value, grads } = tf.variableGrads(lossFn, Object.values(params));
  const named = {};
  for (const [k, p] of Object.entries(params)) named[k] = grads[p.name];
  opt.step(named);
  const l = value.dataSync()[0];
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return l;
}
for (let i = 0; i < warmup; i++) step();
const before = tf.memory().numTensors;
const t0 = performance.now();
const c0 = process.cpuUsage();
let loss = 0;
for (let i = 0; i < steps; i++) loss = step();
const ms = (performance.now() - t0) / steps;
const cu = process.cpuUsage(c0);
// CPU time of the whole process per step: less sensitive to other load than wall time.
const cpuMs = (cu.user + cu.system) / 1000 / steps;
const after = tf.memory().numTensors;
console.log(JSON.stringify({ backend, threads, workload, msPerStep: +ms.toFixed(2), cpuMsPerStep: +cpuMs.toFixed(2), loss, leak: after - before }));
if (profile) {
  const p = await tf.profile(() => { step(); });
  const agg = new Map();
  for (const k of p.kernels) {
    const e = agg.get(k.name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    agg.set(k.name, e);
  }
  const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, r) => s + r[1].ms, 0);
  console.log(`kernel total ${total.toFixed(2)} ms`);
  for (const [name, e] of rows) console.log(`${name.padEnd(24)} n=${String(e.n).padStart(3)} ${e.ms.toFixed(2).padStart(8)} ms`);
}
