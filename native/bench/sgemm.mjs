// Raw sgemm throughput through the addon (zero-copy Float32Arrays).
// node native/bench/sgemm.mjs [threads]    (OPENBLAS_CORETYPE=... to force a kernel set)
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const a = require("../build/Release/antilearn_native.node");
const threads = Number(process.argv[2] ?? 1);
a.setNumThreads(threads);
const shapes = [[128, 256, 784], [128, 10, 256], [5760, 128, 512], [512, 128, 5760], [5760, 512, 128], [128, 120, 5760], [300, 517, 300], [1024, 1024, 1024]];
console.log(a.blasConfig(), "threads", threads);
for (const [M, N, K] of shapes) {
  const A = new Float32Array(M * K).fill(0.5), B = new Float32Array(K * N).fill(0.25), C = new Float32Array(M * N);
  for (let i = 0; i < 3; i++) a.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
  const reps = Math.max(3, Math.round(2e9 / (2 * M * N * K)));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) a.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
  const ms = (performance.now() - t0) / reps;
  const cu = process.cpuUsage(c0);
  const cpuMs = (cu.user + cu.system) / 1000 / reps;
  // Per CPU-second as well: with one thread it shows the kernel's speed even on a loaded machine.
  const gf = (t) => ((2 * M * N * K) / t / 1e6).toFixed(1);
  console.log(`${M}x${N}x${K}: ${ms.toFixed(3)} ms, ${gf(ms)} GFLOP/s wall, ${gf(cpuMs)} GFLOP/s per CPU-second`);
}
