import { BACKEND_CHOICES, type BackendChoice, resolveThreads } from "../../engine/backend.js";
import { formatMarkdown, formatText } from "../../perf/format.js";
import { WORKLOAD_ORDER, workloads } from "../../perf/index.js";
import { parseSkips, runPerf } from "../../perf/measure.js";
import { DEFAULT_TIMING } from "../../perf/runner.js";
import { ConfigError } from "../../util/errors.js";
import { intFlag, parseFlags } from "../args.js";

export const PERF_HELP = `antilearn perf [options]

Time reference training workloads: median ms per optimiser step.

  --workload W          ${WORKLOAD_ORDER.join(" | ")} (repeatable; default all)
  --backend B           auto | native | wasm | cpu | node (repeatable: each in turn; default auto;
                        with several, unavailable ones are skipped)
  --threads N           threads for native and PyTorch (default: ANTILEARN_THREADS or 1)
  --blocks N            timed blocks, the median is reported (default ${DEFAULT_TIMING.blocks})
  --steps-per-block K   steps per block (default: calibrated so a block takes ~1 s)
  --warmup N            untimed steps first (default ${DEFAULT_TIMING.warmupSteps})
  --budget-s S          time budget per workload and backend, warm-up included: fewer warm-up
                        steps and blocks when it runs short, never less than 1 of each
                        (default ${(DEFAULT_TIMING.budgetMs ?? 0) / 1000}; the cpu backend needs minutes per step on some)
  --compare torch       also time the PyTorch reference (bench/reference/perf.py), its blocks
                        interleaved with the tfjs blocks, and print tfjs/torch ratios; skipped with
                        a message if no python3 can import torch (ANTILEARN_PYTHON picks one)
  --skip B:W            do not run backend B on workload W, repeatable (--skip cpu:modadd-transformer)
  --torch-arg ARG       extra argument for the PyTorch script, repeatable
                        (--torch-arg=--transformer-variant --torch-arg=last)
  --profile             also profile one block per workload by kernel (tf.profile)
  --top N               kernels listed per profile (default 10)
  --json                print the full report as JSON
  --markdown            print the table as Markdown (for docs/performance.md)
`;

/** `antilearn perf`: returns the process exit code. */
export async function perfCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("perf", {
    args: argv,
    options: {
      workload: { type: "string", multiple: true, default: [] },
      backend: { type: "string", multiple: true, default: [] },
      threads: { type: "string" },
      blocks: { type: "string" },
      "steps-per-block": { type: "string" },
      warmup: { type: "string" },
      "budget-s": { type: "string" },
      compare: { type: "string" },
      "torch-arg": { type: "string", multiple: true, default: [] },
      skip: { type: "string", multiple: true, default: [] },
      profile: { type: "boolean", default: false },
      top: { type: "string" },
      json: { type: "boolean", default: false },
      markdown: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(PERF_HELP);
    return 0;
  }
  if (values.compare !== undefined && values.compare !== "torch") {
    throw new ConfigError(`--compare must be 'torch' (the only reference implemented), got '${values.compare}'`);
  }
  if (values.json && values.markdown) throw new ConfigError("--json and --markdown are exclusive; pick one");
  const backends = (values.backend?.length ? values.backend : ["auto"]) as BackendChoice[];
  for (const b of backends) {
    if (!(BACKEND_CHOICES as readonly string[]).includes(b)) {
      throw new ConfigError(`unknown backend '${b}'; valid backends: ${BACKEND_CHOICES.join(", ")}`);
    }
  }
  for (const w of values.workload ?? []) workloads.get(w);
  parseSkips(values.skip ?? []);
  const stepsPerBlock = intFlag("steps-per-block", values["steps-per-block"], 1);
  const top = intFlag("top", values.top, 1) ?? 10;
  const report = await runPerf(
    {
      workloads: values.workload ?? [],
      backends,
      threads: resolveThreads(intFlag("threads", values.threads, 1)),
      timing: {
        ...DEFAULT_TIMING,
        blocks: intFlag("blocks", values.blocks, 1) ?? DEFAULT_TIMING.blocks,
        warmupSteps: intFlag("warmup", values.warmup, 0) ?? DEFAULT_TIMING.warmupSteps,
        budgetMs: (intFlag("budget-s", values["budget-s"], 1) ?? (DEFAULT_TIMING.budgetMs ?? 0) / 1000) * 1000,
        ...(stepsPerBlock !== undefined ? { stepsPerBlock } : {}),
      },
      compareTorch: values.compare === "torch",
      profile: values.profile ?? false,
      seed: 0,
      torchArgs: values["torch-arg"],
      skip: values.skip,
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else if (values.markdown) process.stdout.write(formatMarkdown(report, `antilearn perf ${argv.join(" ")}`, top));
  else process.stdout.write(formatText(report, top));
  return 0;
}
