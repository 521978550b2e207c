import { afterEach, describe, expect, it } from "vitest";
import { currentBackend, initBackend, resolveThreads } from "../../src/engine/backend.js";
import { tf } from "../../src/engine/tf.js";

describe("backend choice", () => {
  afterEach(() => {
    delete process.env.ANTILEARN_THREADS;
  });

  it("auto picks an available backend and records it", async () => {
    const info = await initBackend("auto");
    expect(["node", "native", "wasm", "cpu"]).toContain(info.name);
    expect(currentBackend()?.name).toBe(info.name);
    // tfjs-node is not installable here: auto must have skipped it with a reason.
    expect(info.skipped.find((s) => s.name === "node")?.reason).toMatch(/not installed/);
  });

  it("explicit wasm and cpu work and compute the same matmul", async () => {
    const a = [
      [1, 2],
      [3, 4],
    ];
    await initBackend("cpu");
    expect(tf.getBackend()).toBe("cpu");
    const c = tf.matMul(tf.tensor2d(a), tf.tensor2d(a)).arraySync();
    await initBackend("wasm");
    expect(tf.getBackend()).toBe("wasm");
    const w = tf.matMul(tf.tensor2d(a), tf.tensor2d(a)).arraySync();
    expect(w).toEqual(c);
    expect(c).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  it("an unknown or unavailable backend is a named error", async () => {
    await expect(initBackend("gpu" as never)).rejects.toThrow(
      /unknown backend 'gpu'; valid backends: auto, native, node, wasm, cpu/,
    );
    await expect(initBackend("node")).rejects.toThrow(/backend 'node' is not available: .*tfjs-node is not installed/);
  });

  it("threads come from the argument, then ANTILEARN_THREADS, then 1", () => {
    expect(resolveThreads()).toBe(1);
    process.env.ANTILEARN_THREADS = "2";
    expect(resolveThreads()).toBe(2);
    expect(resolveThreads(3)).toBe(3);
    process.env.ANTILEARN_THREADS = "zero";
    expect(() => resolveThreads()).toThrow(/ANTILEARN_THREADS must be a positive integer/);
    expect(() => resolveThreads(0)).toThrow(/threads must be a positive integer/);
  });
});
