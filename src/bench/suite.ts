import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type PartialRunConfig, type RunConfig, resolveRunConfig } from "../config/run-config.js";
import { tasks } from "../tasks/index.js";
import { techniques } from "../techniques/index.js";
import { ConfigError } from "../util/errors.js";

/**
 * The folder of the suites that ship with antilearn. This file lives at
 * `src/bench/suite.ts` (or `dist/bench/suite.js` once built), so the package
 * root is two levels up either way.
 */
export const SUITES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "suites");

const params = z.record(z.string(), z.unknown());

/** Overrides of some config sections (anything a `--set` could say), e.g. a small budget. */
export const overridesSchema = z
  .object({
    task: params.optional(),
    model: params.optional(),
    train: params.optional(),
    eval: params.optional(),
  })
  .strict();
export type Overrides = z.infer<typeof overridesSchema>;

/** One task pair with its parameters (and optionally a model and a training budget). */
export const pairEntrySchema = overridesSchema.extend({
  task: z.object({ name: z.string() }).catchall(z.unknown()),
});

/** One technique with its hyperparameters. */
export const techniqueEntrySchema = z.object({ name: z.string() }).catchall(z.unknown());

/**
 * A suite file: which pairs × which techniques × which seeds, as data. `"all"`
 * means every entry of the registry at the time the suite is expanded, so a
 * task or technique added later joins the suite without touching it.
 */
export const suiteSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a kebab-case name"),
    description: z.string(),
    seeds: z.array(z.number().int().nonnegative()).min(1),
    /**
     * `"all"` (every registered pair at its defaults) or a list of pair
     * entries; the list may itself contain `"all"`, to add variants (e.g.
     * `["all", { "task": { "name": "shapes", "variant": "colour" } }]`).
     */
    pairs: z.union([z.literal("all"), z.array(z.union([z.literal("all"), pairEntrySchema])).min(1)]),
    techniques: z.union([z.literal("all"), z.array(techniqueEntrySchema).min(1)]),
    /** Overrides applied to every pair, under `budgets` and the pair's own entry (e.g. a smaller evaluation). */
    defaults: overridesSchema.default({}),
    /**
     * Overrides per pair name, applied under each pair's own entry; `"*"` is
     * used for any pair not named (e.g. a small budget for pairs added later).
     */
    budgets: z.record(z.string(), overridesSchema).default({}),
    /** Hyperparameter overrides per technique name, applied under each technique's own entry. */
    hparams: z.record(z.string(), params).default({}),
  })
  .strict();
export type Suite = z.infer<typeof suiteSchema>;

/** Validate parsed suite JSON; errors name the file and the key. */
export function parseSuite(raw: unknown, source = "suite"): Suite {
  const r = suiteSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${[...i.path].map(String).join(".") || "(top level)"}: ${i.message}`);
    throw new ConfigError(`${source} is not a valid suite:\n${lines.join("\n")}`);
  }
  return r.data;
}

/** Names of the suites shipped in SUITES_DIR. */
export function builtinSuites(): string[] {
  if (!existsSync(SUITES_DIR)) return [];
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => basename(f, ".json"))
    .sort();
}

/** Load a suite by built-in name (`quick`, `standard`) or by path to a JSON file. */
export function loadSuite(nameOrPath: string): Suite {
  const isPath = nameOrPath.includes("/") || nameOrPath.endsWith(".json");
  const file = isPath ? resolve(nameOrPath) : join(SUITES_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    throw new ConfigError(
      isPath
        ? `suite file ${file} does not exist`
        : `unknown suite '${nameOrPath}'; built-in suites: ${builtinSuites().join(", ") || "(none found)"} (or give a path to a suite .json)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`suite file ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseSuite(raw, file);
}

/** Overrides `b` over `a`, section by section. */
export function mergeOverrides(a: Overrides, b: Overrides): Overrides {
  const out: Overrides = {};
  for (const k of ["task", "model", "train", "eval"] as const) {
    if (a[k] || b[k]) out[k] = { ...(a[k] ?? {}), ...(b[k] ?? {}) };
  }
  return out;
}

/**
 * Expand a suite into resolved run configs: pairs × techniques × seeds, in
 * seed-major order (so an interrupted bench has whole seeds done first).
 * Techniques that declare a pair in `notFor` are left
 * out for that pair. An invalid combination is a ConfigError that names it.
 */
export function expandSuite(suite: Suite): RunConfig[] {
  const everyPair = () => tasks.names().map((name) => ({ task: { name } }) as Overrides & { task: { name: string } });
  const pairs = (suite.pairs === "all" ? ["all" as const] : suite.pairs).flatMap((p) =>
    p === "all" ? everyPair() : [p],
  );
  const techs = suite.techniques === "all" ? techniques.names().map((name) => ({ name })) : suite.techniques;
  // baseline first: it is the reference every score needs
  const ordered = [...techs].sort((a, b) => Number(b.name === "baseline") - Number(a.name === "baseline"));
  const out: RunConfig[] = [];
  for (const seed of suite.seeds) {
    for (const pair of pairs) {
      const taskName = pair.task.name as string;
      const budget = suite.budgets[taskName] ?? suite.budgets["*"] ?? {};
      const o = mergeOverrides(mergeOverrides(suite.defaults, budget), pair);
      for (const t of ordered) {
        const tech = techniques.get(t.name);
        if (tech.notFor?.[taskName] !== undefined) continue;
        const partial: PartialRunConfig = {
          task: { ...(o.task ?? {}), name: taskName },
          technique: { ...(suite.hparams[t.name] ?? {}), ...t },
          model: o.model as PartialRunConfig["model"],
          train: o.train as PartialRunConfig["train"],
          eval: o.eval as PartialRunConfig["eval"],
          seed,
        };
        let config: RunConfig;
        try {
          config = resolveRunConfig(partial);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw new ConfigError(`suite '${suite.name}': ${taskName} × ${t.name} (seed ${seed}): ${msg}`);
        }
        out.push(config);
      }
    }
  }
  return out;
}
