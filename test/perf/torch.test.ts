import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mnistDataDir } from "../../src/data/mnist.js";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { formatText } from "../../src/perf/format.js";
import { workloads } from "../../src/perf/index.js";
import { runPerf } from "../../src/perf/measure.js";
import { DEFAULT_TIMING } from "../../src/perf/runner.js";
import { findTorch, parseTorchLine, referenceScript, TORCH_INSTALL_HINT, TorchServer } from "../../src/perf/torch.js";
import { fastBackend } from "../helpers.js";
import { EXPECTED_PARAMS } from "./expected.js";

const dir = mkdtempSync(join(tmpdir(), "antilearn-perf-torch-"));
const BOGUS = join(dir, "no-such-python");
const savedEnv = process.env.ANTILEARN_PYTHON;
afterAll(() => {
  if (savedEnv === undefined) delete process.env.ANTILEARN_PYTHON;
  else process.env.ANTILEARN_PYTHON = savedEnv;
});

/** An executable that answers like bench/reference/perf.py does where torch cannot be imported. */
function fakePythonWithoutTorch(): string {
  const p = join(dir, "python-without-torch");
  writeFileSync(p, `#!/bin/sh\necho '{"error": "PyTorch is not importable by fake: ModuleNotFoundError"}'\nexit 3\n`);
  chmodSync(p, 0o755);
  return p;
}

describe("finding PyTorch", () => {
  it("a bogus ANTILEARN_PYTHON is reported (not replaced) with the install hint", () => {
    const probe = findTorch({ ANTILEARN_PYTHON: BOGUS });
    expect(probe.ok).toBe(false);
    if (probe.ok) return;
    expect(probe.reason).toContain(`${BOGUS}: not found`);
    expect(probe.reason).toContain("ANTILEARN_PYTHON");
    expect(probe.reason).toContain(TORCH_INSTALL_HINT);
  });

  it("an interpreter that runs but cannot import torch is reported with its last error line", () => {
    const probe = findTorch({ ANTILEARN_PYTHON: fakePythonWithoutTorch() });
    expect(probe.ok).toBe(false);
    // the fake ignores `-c` and exits 3 with nothing on stderr
    if (!probe.ok) expect(probe.reason).toMatch(/python-without-torch: exit 3/);
  });
});

describe("parsing the reference's output", () => {
  it("an error line (torch not importable) becomes an Error carrying its message", () => {
    expect(() => parseTorchLine("ready", '{"error": "PyTorch is not importable by x: No module named torch"}')).toThrow(
      "PyTorch reference: PyTorch is not importable by x: No module named torch",
    );
  });

  it("non-JSON and wrong-shape lines are errors that quote the line", () => {
    expect(() => parseTorchLine("block", "Traceback (most recent call last):")).toThrow(
      /printed 'Traceback \(most recent call last\):', expected a JSON line/,
    );
    expect(() => parseTorchLine("block", '{"ms": -1, "loss": 2}')).toThrow(/expected a 'block' line/);
  });

  it("valid ready and block lines parse to their fields", () => {
    const ready = parseTorchLine(
      "ready",
      '{"ready": true, "workload": "mlp", "threads": 1, "torch": "1.13", "python": "/usr/bin/python3", "warmupSteps": 2, "warmupMsPerStep": 12.5, "stepsPerBlock": 80, "params": 269322}',
    );
    expect(ready.stepsPerBlock).toBe(80);
    expect(ready.params).toBe(269322);
    expect(parseTorchLine("block", '{"ms": 3.25, "loss": 1.5}')).toEqual({ ms: 3.25, loss: 1.5 });
  });

  it("TorchServer.start rejects with the script's own message", async () => {
    await expect(
      TorchServer.start({ python: fakePythonWithoutTorch(), workload: "mlp", threads: 1, warmupSteps: 0 }),
    ).rejects.toThrow(/PyTorch is not importable by fake/);
    await expect(TorchServer.start({ python: BOGUS, workload: "mlp", threads: 1, warmupSteps: 0 })).rejects.toThrow(
      /exited early.*ENOENT/,
    );
  });
});

describe("perf --compare torch without PyTorch", () => {
  it("times tfjs, skips PyTorch with the reason, and prints no ratios", async () => {
    process.env.ANTILEARN_PYTHON = BOGUS;
    const logs: string[] = [];
    const r = await runPerf(
      {
        workloads: ["mlp"],
        backends: ["wasm"],
        threads: 1,
        timing: { ...DEFAULT_TIMING, blocks: 1, stepsPerBlock: 1, warmupSteps: 0 },
        compareTorch: true,
        profile: false,
        seed: 0,
      },
      (l) => logs.push(l),
    );
    expect(r.torch.requested).toBe(true);
    expect("skipped" in r.torch && r.torch.skipped).toContain(TORCH_INSTALL_HINT);
    expect(logs.join("\n")).toMatch(/skipping the PyTorch comparison: PyTorch not found/);
    expect(r.results[0].torch).toBeUndefined();
    expect(r.results[0].tfjs[0].timing.stepsPerBlock).toBe(1);
    expect(formatText(r)).toMatch(/^mlp\s+wasm\s+\S+\s+1×1\s+\S+\s+–\s+–$/m);
  });
});

// Where PyTorch is installed, the references must be the same models: the
// parameter counts derived by hand (which the tfjs workloads also have).
const torch = findTorch({ ...process.env, ANTILEARN_PYTHON: savedEnv });
describe.skipIf(!torch.ok)("the PyTorch references (PyTorch installed)", () => {
  it("are the same models: the specified parameter counts, and antilearn's weights give the same logits", async () => {
    if (!torch.ok) return;
    await fastBackend();
    const rng = new Rng(11);
    const inputs: Record<string, { x: number[]; shape: number[]; dtype: "int32" | "float32" }> = {
      "group-mlp": { x: [0, 1, 119, 7, 64, 64], shape: [3, 2], dtype: "int32" },
      "modadd-transformer": { x: [0, 1, 113, 112, 5, 113, 57, 57, 113], shape: [3, 3], dtype: "int32" },
      "mnist-cnn": { x: Array.from(rng.uniformArray(2 * 784)), shape: [2, 28, 28, 1], dtype: "float32" },
      mlp: { x: Array.from(rng.uniformArray(2 * 784)), shape: [2, 784], dtype: "float32" },
    };
    const specs: Record<string, unknown> = {};
    const ours: Record<string, number[]> = {};
    for (const [name, input] of Object.entries(inputs)) {
      const s = workloads.get(name).build(0);
      try {
        // biases start at zero: give every parameter random values so each one's place is checked
        const params: Record<string, { shape: number[]; data: number[] }> = {};
        for (const [k, v] of Object.entries(s.model.params)) {
          v.assign(tf.tensor(rng.fork(k).normalArray(v.size, 0.2), v.shape, "float32"));
          params[k] = { shape: v.shape, data: Array.from(v.dataSync()) };
        }
        const x = tf.tensor(input.x, input.shape, input.dtype);
        const logits = s.model.forward(x);
        ours[name] = Array.from(logits.dataSync());
        tf.dispose([x, logits]);
        specs[name] = { params, x: input.x, xShape: input.shape };
      } finally {
        s.dispose();
      }
    }
    const file = join(dir, "weights.json");
    writeFileSync(file, JSON.stringify(specs));
    const args = [referenceScript(), "--workload", "all", "--count-params", "--logits", file];
    const r = spawnSync(torch.python, args, { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { params: Record<string, number>; logits: Record<string, number[]> };
    expect(out.params).toEqual(EXPECTED_PARAMS);
    // the transformer's three ways to compute the same logits are each checked
    const keys = Object.keys(out.logits).sort();
    expect(keys).toEqual([
      "group-mlp",
      "mlp",
      "mnist-cnn",
      "modadd-transformer/full",
      "modadd-transformer/last",
      "modadd-transformer/table",
    ]);
    for (const key of keys) {
      const mine = ours[key.split("/")[0]];
      const theirs = out.logits[key];
      expect(theirs).toHaveLength(mine.length);
      const scale = Math.max(...mine.map(Math.abs));
      const worst = Math.max(...mine.map((v, i) => Math.abs(v - theirs[i])));
      expect(worst / scale, key).toBeLessThan(1e-4);
    }
  });

  it("serve mode: warms up, then times blocks that train", async () => {
    if (!torch.ok) return;
    const { server, ready } = await TorchServer.start({
      python: torch.python,
      workload: "mlp",
      threads: 1,
      warmupSteps: 1,
      mnistDir: mnistDataDir(),
    });
    try {
      expect(ready.workload).toBe("mlp");
      expect(ready.stepsPerBlock).toBeGreaterThanOrEqual(1);
      const b = await server.block(2);
      expect(b.ms).toBeGreaterThan(0);
      // three Adam steps from a near-uniform start on MNIST: below ln(10), not diverged
      expect(b.loss).toBeLessThan(Math.log(10));
      expect(b.loss).toBeGreaterThan(0.5);
    } finally {
      server.close();
    }
  });
});
