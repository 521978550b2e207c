import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const db = join(mkdtempSync(join(tmpdir(), "antilearn-cli-")), "r.db");

/** Run the CLI from source (tsx), so the test checks the code, not a stale build. */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ANTILEARN_DB: db },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TINY = [
  "run",
  "--task",
  "a5-s5",
  "--technique",
  "baseline",
  "--steps",
  "15",
  "--set",
  "model.dEmbed=16",
  "--set",
  "model.dHidden=32",
  "--backend",
  "wasm",
  "--no-probe",
  "--no-relearn",
  "--no-interp",
];

describe("antilearn CLI", () => {
  it("list shows tasks, models and techniques, as text and JSON", () => {
    const t = cli(["list"]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/a5-s5/);
    expect(t.out).toMatch(/embed-mlp/);
    expect(t.out).toMatch(/baseline/);
    const j = JSON.parse(cli(["list", "tasks", "--json"]).out);
    expect(j.tasks.find((x: { name: string }) => x.name === "a5-s5").params.trainFraction).toBe(0.9);
  });

  it("run records a run, --json prints it, show finds it; reruns are identical and seed 1 differs", () => {
    const a = cli([...TINY, "--json"]);
    expect(a.code, a.err).toBe(0);
    expect(a.err).toMatch(/backend: wasm \(1 thread\)/);
    const ra = JSON.parse(a.out);
    expect(ra.status).toBe("ok");
    expect(ra.backend).toBe("wasm");
    expect(ra.steps).toBe(15);
    const b = JSON.parse(cli([...TINY, "--json"]).out);
    expect(b.metrics).toEqual(ra.metrics);
    const c = JSON.parse(cli([...TINY, "--seed", "1", "--json"]).out);
    expect(c.metrics).not.toEqual(ra.metrics);
    const s = cli(["show", ra.id.slice(0, 8)]);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(new RegExp(`run ${ra.id}`));
    expect(s.out).toMatch(/X.test\s+acc/);
    const l = cli(["show", "--list"]);
    expect(l.out.split("\n").filter((x) => x.includes(ra.id.slice(0, 16)))).toHaveLength(1);
  });

  it("bad input gets a named error and exit code 2", async () => {
    // In-process: these fail before any training, and ten process starts
    // would cost more than the checks themselves.
    const { main } = await import("../../src/cli/main.js");
    const cases: [string[], RegExp][] = [
      [["run", "--task", "nope", "--technique", "baseline"], /unknown task 'nope'; valid tasks: .*a5-s5/],
      [["run", "--task", "a5-s5", "--technique", "nope"], /unknown technique 'nope'; valid techniques: .*baseline/],
      [
        ["run", "--task", "a5-s5", "--technique", "baseline", "--set", "task.foo=1"],
        /unknown key 'task.foo'; valid keys: task.trainFraction/,
      ],
      [["run", "--task", "a5-s5", "--technique", "baseline", "--set", "train.lr=fast"], /train.lr: .*expected number/],
      [
        ["run", "--task", "a5-s5", "--technique", "baseline", "--steps", "-3"],
        /--steps must be an integer ≥ 0, got '-3'/,
      ],
      [["run", "--task", "a5-s5"], /--technique is required/],
      [["run", "--task", "a5-s5", "--technique", "baseline", "--frobnicate"], /Unknown option '--frobnicate'/],
      [["run", "--task", "a5-s5", "--technique", "baseline", "--backend", "gpu"], /unknown backend 'gpu'/],
      [["show", "--db", db, "ffffffffffff"], /no run 'ffffffffffff'/],
      [["frob"], /unknown command 'frob'; valid commands: run, list/],
    ];
    const write = process.stderr.write.bind(process.stderr);
    for (const [args, re] of cases) {
      let err = "";
      process.stderr.write = ((chunk: string | Uint8Array) => {
        err += String(chunk);
        return true;
      }) as typeof process.stderr.write;
      let code: number;
      try {
        code = await main(args);
      } finally {
        process.stderr.write = write;
      }
      expect(code, args.join(" ")).toBe(2);
      expect(err, args.join(" ")).toMatch(re);
    }
  });
});
