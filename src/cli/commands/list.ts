import { z } from "zod";
import { models } from "../../models/index.js";
import { tasks } from "../../tasks/index.js";
import { techniques } from "../../techniques/index.js";
import { ConfigError } from "../../util/errors.js";
import { parseFlags } from "../args.js";

export const LIST_HELP = `antilearn list [tasks|models|techniques] [--json]

List the task pairs (with their parameters and the hypothesis each tests),
the model architectures and the techniques (with their hyperparameters).
`;

/** Default values of a zod object schema's keys (for `list`). */
export function schemaDefaults(schema: z.ZodType): Record<string, unknown> {
  const r = schema.safeParse({});
  if (r.success && r.data && typeof r.data === "object") return r.data as Record<string, unknown>;
  if (schema instanceof z.ZodObject) return Object.fromEntries(Object.keys(schema.shape).map((k) => [k, "(required)"]));
  return {};
}

function params(schema: z.ZodType): string {
  const d = schemaDefaults(schema);
  const keys = Object.keys(d);
  return keys.length ? keys.map((k) => `${k}=${JSON.stringify(d[k])}`).join(", ") : "(none)";
}

const KINDS = ["tasks", "models", "techniques"] as const;

/** `antilearn list`. */
export async function listCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("list", {
    args: argv,
    options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return 0;
  }
  const which = positionals.length ? positionals : [...KINDS];
  for (const w of which) {
    if (!(KINDS as readonly string[]).includes(w)) {
      throw new ConfigError(`antilearn list: unknown kind '${w}'; valid kinds: ${KINDS.join(", ")}`);
    }
  }
  const data = {
    tasks: tasks.list().map((t) => ({
      name: t.name,
      describe: t.describe,
      hypothesis: t.hypothesis,
      defaultModel: t.defaultModel,
      params: schemaDefaults(t.configSchema),
      trainDefaults: t.trainDefaults,
      evalDefaults: t.evalDefaults ?? {},
    })),
    models: models.list().map((m) => ({
      name: m.name,
      describe: m.describe,
      inputs: m.inputs,
      params: schemaDefaults(m.configSchema),
    })),
    techniques: techniques.list().map((t) => ({
      name: t.name,
      describe: t.describe,
      source: t.source,
      usesY: t.usesY,
      hparams: schemaDefaults(t.hparams),
    })),
  };
  if (values.json) {
    const out = Object.fromEntries(which.map((w) => [w, data[w as (typeof KINDS)[number]]]));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  if (which.includes("tasks")) {
    out.push("TASK PAIRS");
    for (const t of tasks.list()) {
      out.push(`  ${t.name.padEnd(16)} ${t.describe}`);
      out.push(`  ${"".padEnd(16)} params: ${params(t.configSchema)}`);
      out.push(`  ${"".padEnd(16)} model: ${t.defaultModel}; why X should carry to Y: ${t.hypothesis}`);
    }
    out.push("");
  }
  if (which.includes("models")) {
    out.push("MODELS");
    for (const m of models.list()) {
      out.push(`  ${m.name.padEnd(16)} ${m.describe}`);
      out.push(`  ${"".padEnd(16)} params: ${params(m.configSchema)}`);
    }
    out.push("");
  }
  if (which.includes("techniques")) {
    out.push("TECHNIQUES");
    for (const t of techniques.list()) {
      out.push(`  ${t.name.padEnd(16)} ${t.describe}${t.usesY ? " [uses Y.access]" : ""}`);
      out.push(`  ${"".padEnd(16)} source: ${t.source}; hparams: ${params(t.hparams)}`);
    }
    out.push("");
  }
  process.stdout.write(`${out.join("\n")}`);
  return 0;
}
