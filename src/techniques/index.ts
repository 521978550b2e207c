import { Registry } from "../util/registry.js";
import { baseline } from "./baseline.js";
import type { Technique } from "./types.js";

export type { Sampler, StepMetrics, Technique, TrainContext } from "./types.js";

/** All techniques, by name. */
export const techniques = new Registry<Technique>("technique");

techniques.register(baseline);
