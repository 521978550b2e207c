import type { BuiltTask, Split, SplitName } from "../tasks/types.js";
import { SplitAccessError } from "../util/errors.js";

/**
 * A view of a built task for a technique: reading a split the technique may
 * not see throws. X.test, Y.test and Y.relearn are never visible to training
 * (protocol §1); Y.access only when the technique declared `usesY`.
 */
export function guardTask(task: BuiltTask, techniqueName: string, usesY: boolean): BuiltTask {
  const allowed = new Set<SplitName>(usesY ? ["X.train", "Y.access"] : ["X.train"]);
  const splits = new Proxy(task.splits, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in target && !allowed.has(prop as SplitName)) {
        throw new SplitAccessError(
          `technique '${techniqueName}' read split ${prop}, which training may not see` +
            (prop === "Y.access" ? " (declare usesY: true to use Y.access)" : " (evaluation only)"),
        );
      }
      return Reflect.get(target, prop, receiver);
    },
  }) as Record<SplitName, Split>;
  return { ...task, splits };
}
