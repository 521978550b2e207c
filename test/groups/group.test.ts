import { describe, expect, it } from "vitest";
import {
  alternating,
  compose,
  cycleType,
  dihedral,
  fromCycles,
  generate,
  identity,
  inverse,
  PermGroup,
  parity,
  symmetric,
} from "../../src/groups/index.js";
import { ConfigError } from "../../src/util/errors.js";

function classSizes(g: PermGroup): number[] {
  return g
    .conjugacyClasses()
    .map((c) => c.length)
    .sort((a, b) => a - b);
}

/** Deterministic small LCG so the random triples are reproducible. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe("named groups", () => {
  it("have the right orders", () => {
    expect(symmetric(5).size).toBe(120);
    expect(alternating(5).size).toBe(60);
    expect(symmetric(4).size).toBe(24);
    expect(alternating(4).size).toBe(12);
    expect(dihedral(4).size).toBe(8);
    expect(dihedral(5).size).toBe(10);
    expect(symmetric(1).size).toBe(1);
  });

  it("reject bad degrees", () => {
    expect(() => symmetric(0)).toThrow(ConfigError);
    expect(() => symmetric(2.5)).toThrow(ConfigError);
    expect(() => dihedral(2)).toThrow(ConfigError);
  });

  it("sort elements lexicographically with the identity first", () => {
    const g = symmetric(4);
    expect(g.elements[0]).toEqual(identity(4));
    for (let i = 1; i < g.size; i++) {
      expect(g.elements[i - 1].join(",") < g.elements[i].join(",")).toBe(true);
    }
    g.elements.forEach((p, i) => {
      expect(g.indexOf(p)).toBe(i);
    });
    expect(g.indexOf([0, 1, 2])).toBe(-1);
    expect(alternating(4).contains(fromCycles(4, [[0, 1]]))).toBe(false);
  });

  it("A5 = even elements of S5", () => {
    const s5 = symmetric(5);
    const a5 = alternating(5);
    const even = s5.elements.filter((p) => parity(p) === 0);
    expect(even.length).toBe(60);
    expect(even.every((p) => a5.contains(p))).toBe(true);
    expect(a5.isSubgroupOf(s5)).toBe(true);
    expect(s5.isSubgroupOf(a5)).toBe(false);
  });
});

describe("group axioms", () => {
  for (const [name, g] of [
    ["S5", symmetric(5)],
    ["A5", alternating(5)],
    ["S4", symmetric(4)],
    ["D4", dihedral(4)],
  ] as const) {
    it(`${name}: closure, identity, inverses, associativity`, () => {
      const t = g.cayley();
      const s = g.size;
      expect(t.length).toBe(s * s);
      for (let i = 0; i < s; i++) {
        // closure: every product is an element (table entries valid)
        for (let j = 0; j < s; j++) expect(t[i * s + j]).toBeGreaterThanOrEqual(0);
        // identity is element 0 on both sides
        expect(t[i]).toBe(i);
        expect(t[i * s]).toBe(i);
        // inverses exist in the group
        const inv = g.indexOf(inverse(g.elements[i]));
        expect(inv).toBeGreaterThanOrEqual(0);
        expect(t[i * s + inv]).toBe(0);
      }
      // table agrees with compose
      expect(g.elements[t[3 * s + (s - 1)]]).toEqual(compose(g.elements[3], g.elements[s - 1]));
      const rnd = lcg(42);
      for (let k = 0; k < 200; k++) {
        const a = rnd(s);
        const b = rnd(s);
        const c = rnd(s);
        expect(t[t[a * s + b] * s + c]).toBe(t[a * s + t[b * s + c]]);
      }
    });
  }

  it("parity is a homomorphism S5 → Z/2", () => {
    const g = symmetric(5);
    const rnd = lcg(7);
    for (let k = 0; k < 300; k++) {
      const a = g.elements[rnd(120)];
      const b = g.elements[rnd(120)];
      expect(parity(compose(a, b))).toBe((parity(a) + parity(b)) % 2);
    }
  });
});

describe("conjugacy classes", () => {
  it("A5 has 5 classes of sizes 1, 12, 12, 15, 20", () => {
    expect(classSizes(alternating(5))).toEqual([1, 12, 12, 15, 20]);
  });
  it("S5 has 7 classes of sizes 1, 10, 15, 20, 20, 24, 30", () => {
    expect(classSizes(symmetric(5))).toEqual([1, 10, 15, 20, 20, 24, 30]);
  });
  it("S4 has 5 classes, A4 has 4, D4 has 5", () => {
    expect(classSizes(symmetric(4))).toEqual([1, 3, 6, 6, 8]);
    expect(classSizes(alternating(4))).toEqual([1, 3, 4, 4]);
    expect(classSizes(dihedral(4))).toEqual([1, 1, 2, 2, 2]);
  });
  it("identity's class is first, classes ordered by smallest index, classOf agrees", () => {
    const g = symmetric(4);
    const cls = g.conjugacyClasses();
    expect(cls[0]).toEqual([0]);
    for (let c = 1; c < cls.length; c++) expect(cls[c][0]).toBeGreaterThan(cls[c - 1][0]);
    cls.forEach((members, c) => {
      for (const m of members) expect(g.classOf(m)).toBe(c);
    });
  });
  it("classes of S_n are the cycle types", () => {
    const g = symmetric(5);
    for (const members of g.conjugacyClasses()) {
      const types = new Set(members.map((m) => JSON.stringify(cycleType(g.elements[m]))));
      expect(types.size).toBe(1);
    }
  });
});

describe("generate", () => {
  it("(0 1 2 3 4) and (0 1) generate S5", () => {
    const g = generate(5, [fromCycles(5, [[0, 1, 2, 3, 4]]), fromCycles(5, [[0, 1]])]);
    expect(g.size).toBe(120);
    expect(g.elements).toEqual(symmetric(5).elements);
  });

  it("A4 together with the square's symmetry group D4 generate S4", () => {
    const s4 = symmetric(4);
    const a4 = alternating(4);
    const d4 = dihedral(4); // acting on square vertices 0..3
    expect(d4.isSubgroupOf(s4)).toBe(true);
    expect(d4.isSubgroupOf(a4)).toBe(false);
    const g = generate(4, [...a4.elements, ...d4.elements]);
    expect(g.size).toBe(24);
    expect(g.isSubgroupOf(s4) && s4.isSubgroupOf(g)).toBe(true);
  });

  it("3-cycles generate A5; a single 5-cycle generates a cyclic group of order 5", () => {
    expect(generate(5, [fromCycles(5, [[0, 1, 2]]), fromCycles(5, [[2, 3, 4]])]).size).toBe(60);
    expect(generate(5, [fromCycles(5, [[0, 1, 2, 3, 4]])]).size).toBe(5);
    expect(generate(3, []).size).toBe(1);
  });

  it("throws ConfigError naming a bad generator", () => {
    expect(() =>
      generate(3, [
        [0, 1, 2],
        [0, 0, 1],
      ]),
    ).toThrow(ConfigError);
    expect(() =>
      generate(3, [
        [0, 1, 2],
        [0, 0, 1],
      ]),
    ).toThrow(/generator #1 \[0,0,1\]/);
    expect(() => generate(3, [[0, 1]])).toThrow(/degree 3/);
    expect(() => generate(0, [])).toThrow(ConfigError);
  });

  it("PermGroup constructor rejects non-permutations", () => {
    expect(
      () =>
        new PermGroup(2, [
          [0, 1],
          [1, 1],
        ]),
    ).toThrow(ConfigError);
  });
});
