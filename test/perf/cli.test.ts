import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { perfCommand } from "../../src/cli/commands/perf.js";
import { ConfigError } from "../../src/util/errors.js";

const root = join(import.meta.dirname, "..", "..");

/** Run the CLI from source (tsx), so the test checks the code, not a stale build. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "perf", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("antilearn perf", () => {
  it("--json is one clean JSON document; ANTILEARN_THREADS is the thread knob; missing PyTorch is skipped", () => {
    const r = cli(
      ["--workload", "mlp", "--backend", "wasm", "--blocks", "2", "--steps-per-block", "1", "--warmup", "0"].concat([
        "--compare",
        "torch",
        "--json",
      ]),
      { ANTILEARN_PYTHON: "/nonexistent/python3", ANTILEARN_THREADS: "2" },
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.threads).toBe(2);
    expect(report.backends).toEqual(["wasm"]);
    expect(report.torch.skipped).toMatch(/\/nonexistent\/python3: not found.*apt-get install python3-torch/);
    expect(r.err).toMatch(/skipping the PyTorch comparison/);
    const [w] = report.results;
    expect(w.workload).toBe("mlp");
    expect(w.tfjs[0].timing.blockMs).toHaveLength(2);
    expect(w.tfjs[0].timing.msPerStep).toBeGreaterThan(0);
    expect(w.torch).toBeUndefined();
  });

  it("bad input is a ConfigError (exit 2) whose message lists what is valid", async () => {
    await expect(perfCommand(["--compare", "jax"])).rejects.toThrow(/--compare must be 'torch'/);
    await expect(perfCommand(["--workload", "resnet"])).rejects.toThrow(
      /unknown workload 'resnet'; valid workloads: group-mlp, mlp, mnist-cnn, modadd-transformer/,
    );
    await expect(perfCommand(["--backend", "gpu"])).rejects.toThrow(ConfigError);
    await expect(perfCommand(["--skip", "gpu:mlp"])).rejects.toThrow(/--skip takes backend:workload/);
    await expect(perfCommand(["--skip", "cpu:resnet"])).rejects.toThrow(/unknown workload 'resnet'/);
    await expect(perfCommand(["--blocks", "0"])).rejects.toThrow(/--blocks must be an integer ≥ 1, got '0'/);
  });
});
