import { describe, expect, it } from "vitest";
import {
  compose,
  cycleType,
  formatPerm,
  fromCycles,
  identity,
  inverse,
  isPermutation,
  parity,
  permKey,
} from "../../src/groups/index.js";
import { ConfigError } from "../../src/util/errors.js";

describe("permutations", () => {
  it("composes right-to-left: (a∘b)[i] = a[b[i]]", () => {
    const a = fromCycles(3, [[0, 1]]); // swaps 0,1
    const b = fromCycles(3, [[1, 2]]); // swaps 1,2
    // apply b then a: 0→0→1, 1→2→2, 2→1→0
    expect(compose(a, b)).toEqual([1, 2, 0]);
    expect(compose(b, a)).toEqual([2, 0, 1]);
  });

  it("inverse undoes a permutation", () => {
    const p = [3, 0, 4, 1, 2];
    expect(compose(p, inverse(p))).toEqual(identity(5));
    expect(compose(inverse(p), p)).toEqual(identity(5));
  });

  it("fromCycles maps each point to the next in its cycle", () => {
    expect(
      fromCycles(5, [
        [0, 1, 2],
        [3, 4],
      ]),
    ).toEqual([1, 2, 0, 4, 3]);
    expect(fromCycles(4, [])).toEqual([0, 1, 2, 3]);
  });

  it("fromCycles rejects bad input with ConfigError", () => {
    expect(() => fromCycles(3, [[0, 3]])).toThrow(ConfigError);
    expect(() =>
      fromCycles(3, [
        [0, 1],
        [1, 2],
      ]),
    ).toThrow(/more than once/);
    expect(() => fromCycles(3, [[0, 1.5]])).toThrow(ConfigError);
  });

  it("parity counts transpositions", () => {
    expect(parity(identity(4))).toBe(0);
    expect(parity(fromCycles(4, [[0, 1]]))).toBe(1);
    expect(parity(fromCycles(4, [[0, 1, 2]]))).toBe(0);
    expect(parity(fromCycles(4, [[0, 1, 2, 3]]))).toBe(1);
    expect(
      parity(
        fromCycles(5, [
          [0, 1],
          [2, 3],
        ]),
      ),
    ).toBe(0);
  });

  it("cycleType is sorted descending with fixed points", () => {
    expect(
      cycleType(
        fromCycles(6, [
          [4, 5],
          [0, 1, 2],
        ]),
      ),
    ).toEqual([3, 2, 1]);
    expect(cycleType(identity(3))).toEqual([1, 1, 1]);
  });

  it("isPermutation checks every value appears once", () => {
    expect(isPermutation([2, 0, 1])).toBe(true);
    expect(isPermutation([])).toBe(true);
    expect(isPermutation([0, 0, 1])).toBe(false);
    expect(isPermutation([0, 3, 1])).toBe(false);
    expect(isPermutation([0, 1.5])).toBe(false);
    expect(isPermutation("012")).toBe(false);
  });

  it("formats keys and cycle notation", () => {
    expect(permKey([0, 2, 1])).toBe("0,2,1");
    expect(formatPerm(identity(4))).toBe("e");
    expect(
      formatPerm(
        fromCycles(5, [
          [3, 4],
          [0, 1, 2],
        ]),
      ),
    ).toBe("(0 1 2)(3 4)");
    expect(formatPerm(fromCycles(5, [[2, 0, 1]]))).toBe("(0 1 2)");
  });
});
