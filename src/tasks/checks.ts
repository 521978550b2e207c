import type { z } from "zod";
import { ConfigError } from "../util/errors.js";

/** One thing wrong with a task config: the key (without `task.`) and what is wrong and allowed. */
export interface ConfigProblem {
  key: string;
  message: string;
}

/**
 * Throw one ConfigError listing every problem as `task.<key>: <message>`.
 * Builders call this so that a config that skipped schema parsing (a direct
 * `build` call) fails with the same words as one parsed by `resolveRunConfig`.
 */
export function throwProblems(problems: readonly ConfigProblem[]): void {
  if (problems.length === 0) return;
  throw new ConfigError(problems.map((p) => `task.${p.key}: ${p.message}`).join("\n"));
}

/**
 * A zod `superRefine` callback from a problem finder, so cross-field checks
 * (disjoint moduli, subgroups that generate G) fail at config resolution,
 * before anything is built, with the key in the path.
 */
export function refineWith<T>(find: (config: T) => ConfigProblem[]): (config: T, ctx: z.RefinementCtx) => void {
  return (config, ctx) => {
    for (const p of find(config)) ctx.addIssue({ code: "custom", message: p.message, path: [p.key] });
  };
}
