import type { Split } from "../../src/tasks/types.js";

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Bitwise equality of two splits (inputs, labels, group keys, shape). Why not
 * `toEqual`: its element-by-element walk over a few hundred thousand floats
 * takes tens of seconds.
 */
export function sameSplit(a: Split, b: Split): boolean {
  return (
    a.name === b.name &&
    a.n === b.n &&
    a.xDtype === b.xDtype &&
    a.exampleShape.join() === b.exampleShape.join() &&
    bytes(a.x).equals(bytes(b.x)) &&
    bytes(a.y).equals(bytes(b.y)) &&
    (a.groupKey === undefined) === (b.groupKey === undefined) &&
    (a.groupKey === undefined || bytes(a.groupKey).equals(bytes(b.groupKey as Int32Array)))
  );
}
