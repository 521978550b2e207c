import { resolve } from "node:path";
import { z } from "zod";
import { parseSetValue } from "../../config/run-config.js";
import { imageGrid, writePng } from "../../data/index.js";
import { tasks } from "../../tasks/index.js";
import { type BuiltTask, SPLIT_NAMES, type Split, type SplitName } from "../../tasks/types.js";
import { ConfigError } from "../../util/errors.js";
import { intFlag, parseFlags, requireFlag } from "../args.js";
import { num, table } from "../format.js";

export const PREVIEW_HELP = `antilearn preview --task NAME [options]

Show examples of every split of a task pair: a PNG grid for image pairs (one
row per split, in the order X.train, X.test, Y.access, Y.test, Y.relearn) and
a table of examples for symbolic ones. Prints each split's size and the
labels (and per-example facts such as angles) of the examples shown.

  --task NAME         task pair (antilearn list tasks)
  --set task.K=V      override a task parameter, repeatable (task.D=120, task.variant=colour)
  --seed N            seed (default 0): the splits are a function of config and seed
  --n N               examples per split (default 8)
  --out FILE          PNG to write for image pairs (default preview-<task>.png)
  --scale N           pixel upscaling of the grid (default 3)
`;

/** Resolve `task.*` overrides against the task's schema; other sections are refused. */
function taskConfig(name: string, sets: readonly string[]): { name: string; config: Record<string, unknown> } {
  const pair = tasks.get(name);
  const given: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf("=");
    const key = eq > 0 ? s.slice(0, eq).trim() : "";
    if (!key.startsWith("task.") || key.length <= 5) {
      throw new ConfigError(`antilearn preview: --set takes task parameters only, as task.KEY=VALUE; got '${s}'`);
    }
    given[key.slice(5)] = parseSetValue(s.slice(eq + 1).trim());
  }
  const r = pair.configSchema.safeParse(given);
  if (!r.success) {
    const shape = pair.configSchema instanceof z.ZodObject ? Object.keys(pair.configSchema.shape) : [];
    const lines = r.error.issues.map((iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key ${iss.keys.map((k) => `'task.${k}'`).join(", ")}; valid keys: ${shape.map((k) => `task.${k}`).join(", ")}`
        : `${["task", ...iss.path.map(String)].join(".")}: ${iss.message}`,
    );
    throw new ConfigError(lines.join("\n"));
  }
  return { name: pair.name, config: r.data as Record<string, unknown> };
}

/** Per-example facts a task exposes as `info.perExample[split][field]` (angles, shapes …). */
function perExample(task: BuiltTask, split: SplitName): Record<string, ArrayLike<unknown>> {
  const all = task.info.perExample as Record<string, Record<string, ArrayLike<unknown>>> | undefined;
  return all?.[split] ?? {};
}

/** Name of class `y` on a side: `info.classes[side]`, else `info.classNames`, else the number. */
function className(task: BuiltTask, split: SplitName, y: number): string {
  const side = split.startsWith("X") ? "X" : "Y";
  const bySide = (task.info.classes as Record<string, string[]> | undefined)?.[side];
  const names = bySide ?? (task.info.classNames as string[] | undefined);
  return names?.[y] ?? String(y);
}

function cell(v: unknown): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : String(v);
}

/** Rows of the examples table: one per shown example. */
function exampleRows(task: BuiltTask, n: number, symbolic: boolean): { header: string[]; rows: string[][] } {
  const tokenNames = task.info.tokenNames as string[] | undefined;
  const extraFields = [...new Set(SPLIT_NAMES.flatMap((s) => Object.keys(perExample(task, s))))];
  const hasKey = SPLIT_NAMES.some((s) => task.splits[s].groupKey);
  const header = ["split", "#", ...(symbolic ? ["input"] : []), "label", ...(hasKey ? ["group"] : []), ...extraFields];
  const rows: string[][] = [];
  for (const name of SPLIT_NAMES) {
    const s: Split = task.splits[name];
    const extra = perExample(task, name);
    const d = s.exampleShape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < Math.min(n, s.n); i++) {
      const row = [name, String(i)];
      if (symbolic) {
        const toks = Array.from(s.x.subarray(i * d, (i + 1) * d), (t) => tokenNames?.[t] ?? String(t));
        row.push(toks.join(", "));
      }
      row.push(`${s.y[i]} (${className(task, name, s.y[i])})`);
      if (hasKey) row.push(s.groupKey ? String(s.groupKey[i]) : "");
      for (const f of extraFields) row.push(extra[f] ? cell(extra[f][i]) : "");
      rows.push(row);
    }
  }
  return { header, rows };
}

/** `antilearn preview`: returns the process exit code. */
export async function previewCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("preview", {
    args: argv,
    options: {
      task: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      seed: { type: "string" },
      n: { type: "string" },
      out: { type: "string" },
      scale: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(PREVIEW_HELP);
    return 0;
  }
  const { name, config } = taskConfig(
    requireFlag("preview", "task", values.task, "see 'antilearn list tasks'"),
    values.set ?? [],
  );
  const seed = intFlag("seed", values.seed, 0) ?? 0;
  const n = intFlag("n", values.n, 1) ?? 8;
  const scale = intFlag("scale", values.scale, 1) ?? 3;
  const task = tasks.get(name).build(config, seed);
  const out: string[] = [
    `${name} (seed ${seed}): ${JSON.stringify(config)}`,
    `input ${JSON.stringify(task.input)}, ${task.numClasses} classes, chance X ${num(task.chanceX)}, Y ${num(task.chanceY)}`,
    `sizes: ${SPLIT_NAMES.map((k) => `${k} ${task.splits[k].n}`).join(", ")}`,
  ];
  const image = task.input.kind === "image";
  if (task.input.kind === "image") {
    const { height, width, channels } = task.input;
    const size = height * width * channels;
    const tiles: Float32Array[] = [];
    const blank = new Float32Array(size).fill(0.5);
    for (const k of SPLIT_NAMES) {
      const s = task.splits[k];
      for (let i = 0; i < n; i++)
        tiles.push(i < s.n ? (s.x as Float32Array).subarray(i * size, (i + 1) * size) : blank);
    }
    const grid = imageGrid(tiles, { height, width, channels, cols: n, rows: SPLIT_NAMES.length, pad: 2, scale });
    const file = resolve(values.out ?? `preview-${name}.png`);
    writePng(file, grid);
    out.push(`wrote ${file} (${grid.width}×${grid.height}): rows ${SPLIT_NAMES.join(", ")}; ${n} examples each`);
  } else if (values.out !== undefined) {
    throw new ConfigError(
      `antilearn preview: --out writes a PNG and ${name} has ${task.input.kind} inputs, not images`,
    );
  }
  const { header, rows } = exampleRows(task, n, !image);
  out.push("", table(header, rows), "");
  process.stdout.write(out.join("\n"));
  return 0;
}
