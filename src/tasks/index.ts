import type { z } from "zod";
import { Registry } from "../util/registry.js";
import { a5s5 } from "./a5-s5.js";
import { modular } from "./modular.js";
import { rotatedMnist } from "./rotated-mnist.js";
import { shapes } from "./shapes.js";
import { subgroups } from "./subgroups.js";
import type { TaskPair } from "./types.js";

export type { BuiltTask, Split, SplitName, TaskPair, TrainDefaults, YFloor } from "./types.js";
export { SPLIT_NAMES } from "./types.js";

/** Keeps a task's schema and its builder's config type in step. */
export function defineTask<S extends z.ZodType>(t: TaskPair<S>): TaskPair {
  return t as unknown as TaskPair;
}

/** All task pairs, by name. */
export const tasks = new Registry<TaskPair>("task");

tasks.register(defineTask(a5s5));
tasks.register(defineTask(rotatedMnist));
tasks.register(defineTask(shapes));
tasks.register(defineTask(modular));
tasks.register(defineTask(subgroups));
