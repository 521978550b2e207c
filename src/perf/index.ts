import { Registry } from "../util/registry.js";
import { groupMlp } from "./group-mlp.js";
import { mlp } from "./mlp.js";
import { mnistCnn } from "./mnist-cnn.js";
import { modaddTransformer } from "./modadd-transformer.js";
import type { PerfWorkload } from "./types.js";

export type { Batch, PerfSession, PerfWorkload } from "./types.js";

/** The reference training workloads of `antilearn perf`, by name. */
export const workloads = new Registry<PerfWorkload>("workload");

/** The order in which `antilearn perf` runs them (cheapest data first). */
export const WORKLOAD_ORDER = ["group-mlp", "modadd-transformer", "mnist-cnn", "mlp"] as const;

workloads.register(groupMlp);
workloads.register(modaddTransformer);
workloads.register(mnistCnn);
workloads.register(mlp);
