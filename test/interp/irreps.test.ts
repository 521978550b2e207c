import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import {
  alternating,
  compose,
  dihedral,
  fromCycles,
  generate,
  inverse,
  type Perm,
  type PermGroup,
  symmetric,
} from "../../src/groups/index.js";
import {
  type CharacterTable,
  characterCube,
  characterOnElements,
  characterTable,
  irrepIndex,
  irrepLogitSimilarity,
  isotypicFractions,
  isotypicProjection,
} from "../../src/interp/irreps.js";
import { ConfigError } from "../../src/util/errors.js";

const PHI = (1 + Math.sqrt(5)) / 2;

function im(table: CharacterTable, r: number, k: number): number {
  return table.irreps[r].chiImag?.[k] ?? 0;
}

/** Checks every textbook property of a character table. */
function checkTable(g: PermGroup, table: CharacterTable): void {
  const { irreps, classSizes } = table;
  const r = classSizes.length;
  expect(irreps.length).toBe(r);
  expect(classSizes.reduce((a, b) => a + b, 0)).toBe(g.size);
  expect(irreps.reduce((a, x) => a + x.dim * x.dim, 0)).toBe(g.size);
  expect(irreps[0].label).toBe("trivial");
  expect(new Set(irreps.map((x) => x.label)).size).toBe(r);
  for (const x of irreps) {
    expect(x.chi[0]).toBe(x.dim); // identity class first
    expect(g.size % x.dim).toBe(0); // dimensions divide |G|
  }
  // Row orthogonality: Σ_k h_k χ_k conj ψ_k = |G| δ.
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < r; b++) {
      let re = 0;
      let imag = 0;
      for (let k = 0; k < r; k++) {
        const [xr, xi, yr, yi] = [irreps[a].chi[k], im(table, a, k), irreps[b].chi[k], im(table, b, k)];
        re += classSizes[k] * (xr * yr + xi * yi);
        imag += classSizes[k] * (xi * yr - xr * yi);
      }
      expect(re / g.size).toBeCloseTo(a === b ? 1 : 0, 9);
      expect(imag / g.size).toBeCloseTo(0, 9);
    }
  }
  // Column orthogonality: Σ_ρ χ_ρ(k) conj χ_ρ(l) = δ_kl |G| / h_k.
  for (let k = 0; k < r; k++) {
    for (let l = 0; l < r; l++) {
      let re = 0;
      for (let a = 0; a < r; a++) {
        re += irreps[a].chi[k] * irreps[a].chi[l] + im(table, a, k) * im(table, a, l);
      }
      expect(re).toBeCloseTo(k === l ? g.size / classSizes[k] : 0, 8);
    }
  }
  // Characters are class functions that agree with a direct check on χ(x⁻¹) = conj χ(x).
  for (let a = 0; a < r; a++) {
    const { re, im: imEl } = characterOnElements(g, a);
    for (let i = 0; i < g.size; i += 7) {
      const j = g.indexOf(inverse(g.elements[i]));
      expect(re[j]).toBeCloseTo(re[i], 9);
      expect(imEl[j]).toBeCloseTo(-imEl[i], 9);
    }
  }
}

const chiOf = (g: PermGroup, label: string, p: Perm) => {
  const t = characterTable(g);
  return t.irreps[irrepIndex(g, label)].chi[g.classOf(g.indexOf(p))];
};

describe("character tables", () => {
  it("S5: valid table with the standard labels and values", () => {
    const g = symmetric(5);
    const t = characterTable(g);
    checkTable(g, t);
    expect(t.irreps.map((x) => x.label)).toEqual(["trivial", "sign", "standard", "standard⊗sign", "5a", "5b", "6"]);
    expect(t.irreps.map((x) => x.dim)).toEqual([1, 1, 4, 4, 5, 5, 6]);
    expect(t.irreps.every((x) => x.chiImag === undefined)).toBe(true);
    const tr = fromCycles(5, [[0, 1]]);
    const c5 = fromCycles(5, [[0, 1, 2, 3, 4]]);
    const c3 = fromCycles(5, [[0, 1, 2]]);
    expect(chiOf(g, "sign", tr)).toBe(-1);
    expect(chiOf(g, "standard", tr)).toBe(2); // fixed points − 1
    expect(chiOf(g, "standard", c3)).toBe(1);
    expect(chiOf(g, "standard⊗sign", tr)).toBe(-2);
    expect(chiOf(g, "5a", tr)).toBe(1);
    expect(chiOf(g, "5b", tr)).toBe(-1);
    expect(chiOf(g, "6", tr)).toBe(0);
    expect(chiOf(g, "6", c5)).toBe(1);
    expect(chiOf(g, "5a", c5)).toBe(0);
    // characterTable is cached per group object
    expect(characterTable(g)).toBe(t);
  });

  it("A5: golden-ratio entries on 5-cycles", () => {
    const g = alternating(5);
    const t = characterTable(g);
    checkTable(g, t);
    expect(t.irreps.map((x) => x.label)).toEqual(["trivial", "3a", "3b", "4", "5"]);
    const c5 = fromCycles(5, [[0, 1, 2, 3, 4]]);
    const c5sq = compose(c5, c5); // the other class of 5-cycles in A5
    expect(g.classOf(g.indexOf(c5))).not.toBe(g.classOf(g.indexOf(c5sq)));
    expect(Math.abs(chiOf(g, "3a", c5) - PHI)).toBeLessThan(1e-9);
    expect(Math.abs(chiOf(g, "3a", c5sq) - (1 - Math.sqrt(5)) / 2)).toBeLessThan(1e-9);
    expect(Math.abs(chiOf(g, "3b", c5) - (1 - Math.sqrt(5)) / 2)).toBeLessThan(1e-9);
    expect(Math.abs(chiOf(g, "3b", c5sq) - PHI)).toBeLessThan(1e-9);
    expect(chiOf(g, "4", c5)).toBe(-1);
    expect(chiOf(g, "5", c5)).toBe(0);
    expect(chiOf(g, "4", fromCycles(5, [[0, 1, 2]]))).toBe(1);
  });

  it("S4: labels and values", () => {
    const g = symmetric(4);
    const t = characterTable(g);
    checkTable(g, t);
    expect(t.irreps.map((x) => x.label)).toEqual(["trivial", "sign", "2", "standard", "standard⊗sign"]);
    expect(chiOf(g, "2", fromCycles(4, [[0, 1]]))).toBe(0);
    expect(chiOf(g, "2", fromCycles(4, [[0, 1, 2]]))).toBe(-1);
    expect(
      chiOf(
        g,
        "2",
        fromCycles(4, [
          [0, 1],
          [2, 3],
        ]),
      ),
    ).toBe(2);
  });

  it("D4: four 1-dimensional irreps and one 2-dimensional", () => {
    const g = dihedral(4);
    const t = characterTable(g);
    checkTable(g, t);
    expect(t.irreps.map((x) => x.label)).toEqual(["trivial", "1a", "1b", "1c", "2"]);
    const rot = [1, 2, 3, 0];
    expect(t.irreps[4].chi[g.classOf(g.indexOf(rot))]).toBe(0);
    expect(t.irreps[4].chi[g.classOf(g.indexOf(compose(rot, rot)))]).toBe(-2);
  });

  it("A4: a complex-conjugate pair of 1-dimensional characters", () => {
    const g = alternating(4);
    const t = characterTable(g);
    checkTable(g, t);
    expect(t.irreps.map((x) => x.label)).toEqual(["trivial", "1a", "1b", "3"]);
    const [a, b] = [t.irreps[1], t.irreps[2]];
    expect(a.chiImag).toBeDefined();
    expect(a.conjugate).toBe(2);
    expect(b.conjugate).toBe(1);
    expect(t.irreps[3].conjugate).toBe(3);
    // On a 3-cycle the values are the primitive cube roots of unity −1/2 ± i√3/2.
    const k = g.classOf(g.indexOf(fromCycles(4, [[0, 1, 2]])));
    expect(a.chi[k]).toBeCloseTo(-0.5, 12);
    expect(Math.abs(a.chiImag![k])).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(b.chiImag![k]).toBeCloseTo(-a.chiImag![k], 12);
  });

  it("S3, S6, D5 and a cyclic group are valid too", () => {
    for (const g of [
      symmetric(3),
      symmetric(6),
      dihedral(5),
      generate(5, [fromCycles(5, [[0, 1, 2, 3, 4]])]), // C5: four non-real characters
    ]) {
      checkTable(g, characterTable(g));
    }
    expect(characterTable(symmetric(3)).irreps.map((x) => x.label)).toEqual(["trivial", "sign", "standard"]);
    expect(characterTable(symmetric(6)).irreps.length).toBe(11);
  });

  it("irrepIndex rejects unknown labels", () => {
    expect(() => irrepIndex(symmetric(4), "5a")).toThrow(ConfigError);
  });
});

/** The n×n permutation matrix of p, flattened: M[p[j], j] = 1. */
function permMatrix(p: readonly number[]): number[] {
  const n = p.length;
  const m = new Array<number>(n * n).fill(0);
  for (let j = 0; j < n; j++) m[p[j] * n + j] = 1;
  return m;
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  return new Rng(seed).normalArray(rows * cols);
}

describe("isotypic decomposition", () => {
  it("the permutation representation of S5 lies in trivial ⊕ standard", () => {
    const g = symmetric(5);
    const W = g.elements.map((p) => permMatrix(p));
    const fr = isotypicFractions(g, W, 120, 25);
    const by = Object.fromEntries(fr.map((x) => [x.label, x.fraction]));
    expect(by.standard).toBeGreaterThanOrEqual(0.99);
    expect(by.standard).toBeCloseTo(1, 9);
    expect(by.trivial).toBeCloseTo(0, 9);
    // Uncentered, the mean (J/5, squared norm 1 per row of 5) is the trivial part: 1/5 of ‖P‖² = 5.
    const raw = Object.fromEntries(
      isotypicFractions(g, W, 120, 25, { center: false }).map((x) => [x.label, x.fraction]),
    );
    expect(raw.trivial).toBeCloseTo(0.2, 9);
    expect(raw.standard).toBeCloseTo(0.8, 9);
  });

  it("the standard⊗sign representation is found as such", () => {
    const g = symmetric(5);
    const sign = characterOnElements(g, irrepIndex(g, "sign")).re;
    const W = g.elements.map((p, i) => permMatrix(p).map((v) => v * sign[i]));
    const by = Object.fromEntries(isotypicFractions(g, W, 120, 25).map((x) => [x.label, x.fraction]));
    // sign ⊗ (trivial ⊕ standard) = sign ⊕ standard⊗sign, with the sign part being sign·(1/5) per entry
    expect(by["standard⊗sign"]).toBeCloseTo(0.8, 9);
    expect(by.sign).toBeCloseTo(0.2, 9);
  });

  it("fractions of a random matrix sum to 1 and agree with the projections", () => {
    for (const g of [symmetric(4), alternating(4), dihedral(4)]) {
      const cols = 6;
      const W = randomMatrix(g.size, cols, 3);
      const fr = isotypicFractions(g, W, g.size, cols, { center: false });
      expect(fr.reduce((a, x) => a + x.fraction, 0)).toBeCloseTo(1, 12);
      const t = characterTable(g);
      const norm2 = W.reduce((a, v) => a + v * v, 0);
      const total = new Float64Array(W.length);
      t.irreps.forEach((x, i) => {
        if (x.conjugate < i) return; // a complex pair is projected once, onto ρ ⊕ ρ̄
        const P = isotypicProjection(g, W, g.size, cols, i);
        // idempotent
        const PP = isotypicProjection(g, P, g.size, cols, i);
        for (let k = 0; k < P.length; k += 5) expect(PP[k]).toBeCloseTo(P[k], 9);
        const e = P.reduce((a, v) => a + v * v, 0) / norm2;
        const expected = fr[i].fraction + (x.conjugate !== i ? fr[x.conjugate].fraction : 0);
        expect(e).toBeCloseTo(expected, 9);
        for (let k = 0; k < P.length; k++) total[k] += P[k];
      });
      // the projections add back up to W
      for (let k = 0; k < W.length; k++) expect(total[k]).toBeCloseTo(W[k], 9);
    }
  });

  it("complex-conjugate components of a real function have equal shares", () => {
    const g = alternating(4);
    const fr = isotypicFractions(g, randomMatrix(12, 4, 9), 12, 4);
    expect(fr[1].fraction).toBeCloseTo(fr[2].fraction, 12);
    expect(fr[0].fraction).toBeCloseTo(0, 12);
  });

  it("a constant function is all trivial; bad shapes throw", () => {
    const g = symmetric(3);
    const W = Array.from({ length: 6 }, () => [1, 2]);
    expect(isotypicFractions(g, W, 6, 2).map((x) => x.fraction)).toEqual([1, 0, 0]);
    expect(isotypicFractions(g, W, 6, 2, { center: false })[0].fraction).toBeCloseTo(1, 12);
    expect(() => isotypicFractions(g, W, 5, 2)).toThrow(ConfigError);
    expect(() => isotypicFractions(g, new Float32Array(11), 6, 2)).toThrow(ConfigError);
  });
});

describe("character cubes and logit similarity", () => {
  it("a cube peaks at c = a·b with value dim", () => {
    const g = symmetric(4);
    const k = irrepIndex(g, "standard");
    const T = characterCube(g, k);
    const s = g.size;
    const ct = g.cayley();
    for (const [a, b] of [
      [0, 0],
      [3, 17],
      [23, 5],
    ]) {
      const row = T.subarray((a * s + b) * s, (a * s + b + 1) * s);
      expect(row[ct[a * s + b]]).toBe(3);
      expect(Math.max(...row)).toBe(3);
    }
  });

  it("each cube is similar to itself and orthogonal to the others (A5)", () => {
    const g = alternating(5);
    const t = characterTable(g);
    t.irreps.forEach((x, i) => {
      const sims = irrepLogitSimilarity(g, characterCube(g, i));
      sims.forEach((y, j) => {
        const expected = i === 0 || j === 0 ? 0 : i === j ? 1 : 0;
        expect(y.similarity).toBeCloseTo(expected, 9);
        expect(y.label).toBe(t.irreps[j].label);
      });
      expect(x.label).toBe(sims[i].label);
    });
  });

  it("noisy logits built from two irreps rank them first (S4)", () => {
    const g = symmetric(4);
    const s = g.size;
    const std = characterCube(g, irrepIndex(g, "standard"));
    const two = characterCube(g, irrepIndex(g, "2"));
    const noise = randomMatrix(s * s, s, 1);
    const L = new Float32Array(s * s * s);
    for (let i = 0; i < L.length; i++) L[i] = 2 * std[i] + two[i] + 0.3 * noise[i] + 5;
    const sims = irrepLogitSimilarity(g, L);
    const by = Object.fromEntries(sims.map((x) => [x.label, x.similarity]));
    expect(by.standard).toBeGreaterThan(0.8);
    expect(by["2"]).toBeGreaterThan(0.2);
    expect(Math.abs(by.sign)).toBeLessThan(0.05);
    expect(Math.abs(by["standard⊗sign"])).toBeLessThan(0.05);
    expect(by.trivial).toBe(0);
    // global centering removes the +5 offset too
    const byG = Object.fromEntries(
      irrepLogitSimilarity(g, L, { center: "global" }).map((x) => [x.label, x.similarity]),
    );
    expect(byG.standard).toBeCloseTo(by.standard, 2);
  });
});
