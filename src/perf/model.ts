import type { Rng } from "../engine/rng.js";
import { models } from "../models/index.js";
import type { InputSpec, Model } from "../models/types.js";

/**
 * A model from the project's registry with its config resolved through the
 * architecture's own schema (defaults filled in, unknown keys refused), so a
 * workload measures exactly the code that `antilearn run` trains.
 */
export function registryModel(
  arch: string,
  input: InputSpec,
  numClasses: number,
  config: Record<string, unknown>,
  rng: Rng,
): Model {
  const entry = models.get(arch);
  return entry.create({ input, numClasses, config: entry.configSchema.parse(config), rng });
}
