/**
 * Character tables and isotypic decompositions for small permutation groups.
 *
 * Used to ask "which irreducible representations does a model use?":
 * - `characterTable(g)` computes the irreducible characters of any small
 *   group (tested on S4, S5, A4, A5, D4) from its conjugacy classes alone;
 * - `isotypicFractions` splits a function on the group (e.g. the rows of an
 *   embedding matrix, one row per element) into its isotypic components and
 *   reports the share of the sum of squares in each;
 * - `irrepLogitSimilarity` compares logits of a composition task
 *   `L[a, b, c]` (c = a·b) with the "character cube" χ_ρ(a·b·c⁻¹), the
 *   signature of a model that composes through the representation ρ.
 *
 * Method (Burnside): the class sums C_1..C_r span the centre of the group
 * algebra, and multiplication by C_i is a commuting family of r×r matrices
 * whose simultaneous eigenvectors are the central idempotents, one per
 * irreducible character. Rescaling the basis to C_k/√|C_k| makes these
 * matrices normal (multiplication by C_i has adjoint multiplication by the
 * inverse class C_i*), so a random Hermitian combination
 *   H = Σ c_i (M_i + M_iᵀ) + i Σ d_i (M_i − M_iᵀ)
 * has exactly the central idempotents as eigenvectors with (generically)
 * distinct real eigenvalues — including complex-conjugate characters, which
 * a purely real symmetric combination could not separate. H is diagonalised
 * through its real symmetric 2r×2r embedding [[A, −B], [B, A]] with Jacobi
 * rotations, which is accurate to ~1e-14 and needs no complex eigensolver.
 *
 * Conventions: element indices and classes are those of `PermGroup`;
 * the product a·b is `compose(a, b)` (apply b first), i.e. `cayley()[a*|G|+b]`.
 */

import { Rng } from "../engine/rng.js";
import type { PermGroup } from "../groups/group.js";
import { fromCycles, parity } from "../groups/perm.js";
import { ConfigError, NumericalError } from "../util/errors.js";

/** One irreducible character. */
export interface Irrep {
  /** Stable name, e.g. "trivial", "sign", "standard", "3a". */
  label: string;
  /** Dimension χ(e). */
  dim: number;
  /** Real part of χ on each conjugacy class (same order as `CharacterTable.classes`). */
  chi: number[];
  /** Imaginary part of χ per class; present only for characters that are not real. */
  chiImag?: number[];
  /** Index (in `irreps`) of the complex-conjugate character; equals its own index for real characters. */
  conjugate: number;
}

/** The character table of a group. */
export interface CharacterTable {
  /** Conjugacy classes as element indices (`g.conjugacyClasses()`). */
  classes: number[][];
  /** |C_k| per class. */
  classSizes: number[];
  /** Irreducible characters: trivial first, then by dimension; as many as classes. */
  irreps: Irrep[];
}

const tableCache = new WeakMap<PermGroup, CharacterTable>();

/**
 * The character table of `g`, computed once per group object and cached.
 *
 * Labels: S_n → "trivial", "sign", "standard" (χ = #fixed points − 1),
 * "standard⊗sign", other irreps by dimension (S5: "5a" has χ = +1 on
 * transpositions, "5b" has −1, then "6"; S4: "2"); A5 → "trivial", "3a"
 * (χ((0 1 2 3 4)) = (1+√5)/2), "3b", "4", "5"; any other group → "trivial",
 * then the dimension, with letters a, b, … when several irreps share it
 * (ordered by their character values on the classes in class order, larger
 * real part first, then larger imaginary part).
 *
 * @throws NumericalError if the eigen-decomposition fails to give a valid
 *   table (not expected for groups of a few hundred elements).
 */
export function characterTable(g: PermGroup): CharacterTable {
  const cached = tableCache.get(g);
  if (cached) return cached;
  const classes = g.conjugacyClasses().map((c) => [...c]);
  const classSizes = classes.map((c) => c.length);
  const structure = classStructure(g);
  let irreps: Irrep[] | null = null;
  // A random combination can (with probability ~0) make two eigenvalues
  // nearly equal; validate and retry with fresh coefficients in that case.
  for (let attempt = 0; attempt < 8 && !irreps; attempt++) {
    irreps = tryCharacters(g.size, classSizes, structure, new Rng(0x5eed + attempt));
  }
  if (!irreps) throw new NumericalError(`characterTable: could not separate the irreducible characters of ${g}`);
  sortIrreps(irreps);
  linkConjugates(irreps);
  labelIrreps(g, classes, irreps);
  const table: CharacterTable = { classes, classSizes, irreps };
  tableCache.set(g, table);
  return table;
}

/** Index of the irrep called `label` in `characterTable(g)`. @throws ConfigError listing the valid labels. */
export function irrepIndex(g: PermGroup, label: string): number {
  const irreps = characterTable(g).irreps;
  const i = irreps.findIndex((r) => r.label === label);
  if (i < 0) throw new ConfigError(`unknown irrep '${label}'; valid irreps: ${irreps.map((r) => r.label).join(", ")}`);
  return i;
}

/**
 * χ_ρ on every element (real part; and imaginary part, zero for real
 * characters), indexed like `g.elements`.
 */
export function characterOnElements(g: PermGroup, irrep: number): { re: Float64Array; im: Float64Array } {
  const r = getIrrep(g, irrep);
  const re = new Float64Array(g.size);
  const im = new Float64Array(g.size);
  for (let i = 0; i < g.size; i++) {
    const c = g.classOf(i);
    re[i] = r.chi[c];
    im[i] = r.chiImag ? r.chiImag[c] : 0;
  }
  return { re, im };
}

// ───────────────────────────── computation ─────────────────────────────

interface ClassStructure {
  r: number;
  /** a[(i*r + j)*r + k] = #{x ∈ C_i : x⁻¹z ∈ C_j} for a fixed z ∈ C_k, so C_i C_j = Σ_k a_ijk C_k. */
  a: Float64Array;
}

function classStructure(g: PermGroup): ClassStructure {
  const s = g.size;
  const t = g.cayley();
  const inv = inverseIndices(g);
  const classes = g.conjugacyClasses();
  const r = classes.length;
  const cls = new Int32Array(s);
  for (let i = 0; i < s; i++) cls[i] = g.classOf(i);
  const a = new Float64Array(r * r * r);
  for (let k = 0; k < r; k++) {
    const z = classes[k][0];
    for (let x = 0; x < s; x++) a[(cls[x] * r + cls[t[inv[x] * s + z]]) * r + k]++;
  }
  return { r, a };
}

function tryCharacters(order: number, h: number[], { r, a }: ClassStructure, rng: Rng): Irrep[] | null {
  // M_i in the orthonormal basis e_k = C_k/√h_k: (M_i)_{kj} = √h_k a_ijk / √h_j.
  const A = new Float64Array(r * r);
  const B = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    const c = rng.uniform() * 2 - 1;
    const d = rng.uniform() * 2 - 1;
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < r; j++) {
        const m = (Math.sqrt(h[k]) * a[(i * r + j) * r + k]) / Math.sqrt(h[j]);
        A[k * r + j] += c * m;
        A[j * r + k] += c * m;
        B[k * r + j] += d * m;
        B[j * r + k] -= d * m;
      }
    }
  }
  // Real symmetric embedding of the Hermitian H = A + iB.
  const n = 2 * r;
  const E = new Float64Array(n * n);
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < r; j++) {
      E[k * n + j] = A[k * r + j];
      E[(k + r) * n + j + r] = A[k * r + j];
      E[k * n + j + r] = -B[k * r + j];
      E[(k + r) * n + j] = B[k * r + j];
    }
  }
  const { values, vectors } = jacobiEigen(E, n);
  const order2 = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const scale = Math.max(1, ...Array.from(values, Math.abs));
  // Each eigenvalue of H appears twice; distinct ones must be well separated.
  for (let m = 0; m + 2 < n; m += 2) {
    if (values[order2[m + 2]] - values[order2[m + 1]] < 1e-6 * scale) return null;
  }
  const irreps: Irrep[] = [];
  for (let m = 0; m < n; m += 2) {
    const col = order2[m];
    // x = u + i v is an eigenvector of H, ∝ √h_k · conj(χ_k).
    const xr = new Float64Array(r);
    const xi = new Float64Array(r);
    for (let k = 0; k < r; k++) {
      xr[k] = vectors[k * n + col] / Math.sqrt(h[k]);
      xi[k] = vectors[(k + r) * n + col] / Math.sqrt(h[k]);
    }
    // y_k = χ_k / χ(1) = conj(x_k / x_0).
    const d0 = xr[0] * xr[0] + xi[0] * xi[0];
    if (d0 < 1e-20) return null;
    const yr: number[] = [];
    const yi: number[] = [];
    let norm = 0;
    for (let k = 0; k < r; k++) {
      const re = (xr[k] * xr[0] + xi[k] * xi[0]) / d0;
      const im = -(xi[k] * xr[0] - xr[k] * xi[0]) / d0;
      yr.push(re);
      yi.push(im);
      norm += h[k] * (re * re + im * im);
    }
    // First orthogonality relation Σ h_k |χ_k|² = |G| fixes the dimension.
    const dimF = Math.sqrt(order / norm);
    const dim = Math.round(dimF);
    if (dim < 1 || Math.abs(dimF - dim) > 1e-6) return null;
    const chi = yr.map((v) => clean(v * dim));
    const chiImagRaw = yi.map((v) => clean(v * dim));
    const irrep: Irrep = { label: "", dim, chi, conjugate: -1 };
    if (chiImagRaw.some((v) => v !== 0)) irrep.chiImag = chiImagRaw;
    irreps.push(irrep);
  }
  return validate(order, h, irreps) ? irreps : null;
}

/** Snap values within 1e-9 of an integer (or of 0) so exact comparisons work on integral characters. */
function clean(v: number): number {
  const rv = Math.round(v);
  return Math.abs(v - rv) < 1e-9 ? rv + 0 : v;
}

/** Row orthogonality ⟨χ, ψ⟩ = δ and Σ d² = |G|. */
function validate(order: number, h: number[], irreps: Irrep[]): boolean {
  let sumSq = 0;
  for (const x of irreps) {
    sumSq += x.dim * x.dim;
    for (const y of irreps) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < h.length; k++) {
        const xr = x.chi[k];
        const xi = x.chiImag?.[k] ?? 0;
        const yr = y.chi[k];
        const yi = y.chiImag?.[k] ?? 0;
        re += h[k] * (xr * yr + xi * yi);
        im += h[k] * (xi * yr - xr * yi);
      }
      const expected = x === y ? 1 : 0;
      if (Math.abs(re / order - expected) > 1e-7 || Math.abs(im / order) > 1e-7) return false;
    }
  }
  return sumSq === order;
}

/**
 * Cyclic Jacobi eigen-decomposition of a dense symmetric n×n matrix (row-major).
 * Why Jacobi: n is at most a few dozen here, and Jacobi is short, robust and
 * gives orthonormal eigenvectors even inside degenerate eigenspaces.
 * Returns eigenvalues and eigenvectors as columns of `vectors` (row-major).
 */
function jacobiEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        const x = m[p * n + q] * m[p * n + q];
        total += x;
        if (p !== q) off += x;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

// ───────────────────────────── ordering and labels ─────────────────────────────

function isTrivial(x: Irrep): boolean {
  return x.dim === 1 && x.chi.every((v) => v === 1) && !x.chiImag;
}

/** Trivial first, then by dimension, then by character values on classes in class order (larger first). */
function sortIrreps(irreps: Irrep[]): void {
  irreps.sort((x, y) => {
    const tx = isTrivial(x) ? 0 : 1;
    const ty = isTrivial(y) ? 0 : 1;
    if (tx !== ty) return tx - ty;
    if (x.dim !== y.dim) return x.dim - y.dim;
    for (let k = 0; k < x.chi.length; k++) {
      if (Math.abs(x.chi[k] - y.chi[k]) > 1e-9) return y.chi[k] - x.chi[k];
      const xi = x.chiImag?.[k] ?? 0;
      const yi = y.chiImag?.[k] ?? 0;
      if (Math.abs(xi - yi) > 1e-9) return yi - xi;
    }
    return 0;
  });
}

function linkConjugates(irreps: Irrep[]): void {
  irreps.forEach((x, i) => {
    if (!x.chiImag) {
      x.conjugate = i;
      return;
    }
    const im = x.chiImag;
    x.conjugate = irreps.findIndex(
      (y) =>
        y.dim === x.dim &&
        y.chi.every((v, k) => Math.abs(v - x.chi[k]) < 1e-9) &&
        (y.chiImag ?? []).every((v, k) => Math.abs(v + im[k]) < 1e-9),
    );
  });
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

function labelIrreps(g: PermGroup, classes: number[][], irreps: Irrep[]): void {
  const named = new Map<number, string>();
  const reps = classes.map((c) => g.elements[c[0]]);
  const matches = (x: Irrep, f: (k: number) => number) =>
    !x.chiImag && x.chi.every((v, k) => Math.abs(v - f(k)) < 1e-9);
  const find = (f: (k: number) => number) => irreps.findIndex((x) => !named.has(irreps.indexOf(x)) && matches(x, f));
  const setName = (i: number, name: string) => {
    if (i >= 0 && !named.has(i)) named.set(i, name);
  };
  setName(
    irreps.findIndex((x) => isTrivial(x)),
    "trivial",
  );
  const isSymmetric = g.n >= 2 && g.size === factorial(g.n);
  const isAlternating = g.n >= 3 && g.size === factorial(g.n) / 2 && g.elements.every((p) => parity(p) === 0);
  if (isSymmetric) {
    const sgn = (k: number) => (parity(reps[k]) === 0 ? 1 : -1);
    const fix = (k: number) => reps[k].filter((v, i) => v === i).length;
    setName(find(sgn), "sign");
    setName(
      find((k) => fix(k) - 1),
      "standard",
    );
    setName(
      find((k) => (fix(k) - 1) * sgn(k)),
      "standard⊗sign",
    );
  }
  if (isAlternating && g.n === 5) {
    // The two 3-dimensional irreps of A5 are swapped by an outer automorphism;
    // fix the names by the value on the class of (0 1 2 3 4).
    const k5 = g.classOf(g.indexOf(fromCycles(5, [[0, 1, 2, 3, 4]])));
    const threes = irreps.map((_, i) => i).filter((i) => irreps[i].dim === 3);
    threes.sort((i, j) => irreps[j].chi[k5] - irreps[i].chi[k5]);
    setName(threes[0], "3a");
    setName(threes[1], "3b");
    // Keep 3a before 3b in the list.
    if (threes[0] > threes[1]) {
      const [lo, hi] = [threes[1], threes[0]];
      [irreps[lo], irreps[hi]] = [irreps[hi], irreps[lo]];
      named.set(lo, "3a");
      named.set(hi, "3b");
    }
  }
  // Everything else: dimension, with letters when several unnamed irreps share it.
  const unnamedByDim = new Map<number, number[]>();
  irreps.forEach((x, i) => {
    if (named.has(i)) return;
    const list = unnamedByDim.get(x.dim) ?? [];
    list.push(i);
    unnamedByDim.set(x.dim, list);
  });
  for (const [dim, list] of unnamedByDim) {
    list.forEach((i, j) => {
      named.set(i, list.length === 1 ? `${dim}` : `${dim}${String.fromCharCode(97 + j)}`);
    });
  }
  irreps.forEach((x, i) => {
    x.label = named.get(i) ?? `${x.dim}`;
  });
  // Reordering above may have moved conjugate partners; recompute the links.
  linkConjugates(irreps);
}

// ───────────────────────────── functions on the group ─────────────────────────────

/** A |G|×d matrix: row-major flat array, or an array of rows. */
export type MatrixLike = Float32Array | Float64Array | readonly number[] | readonly (readonly number[])[];

function toFlat(W: MatrixLike, rows: number, cols: number, what: string): Float64Array {
  const out = new Float64Array(rows * cols);
  if (Array.isArray(W) && W.length > 0 && Array.isArray(W[0])) {
    const R = W as readonly (readonly number[])[];
    if (R.length !== rows) throw new ConfigError(`${what}: expected ${rows} rows, got ${R.length}`);
    R.forEach((row, i) => {
      if (row.length !== cols) throw new ConfigError(`${what}: row ${i} has ${row.length} entries, expected ${cols}`);
      for (let j = 0; j < cols; j++) out[i * cols + j] = row[j];
    });
    return out;
  }
  const F = W as ArrayLike<number>;
  if (F.length !== rows * cols) {
    throw new ConfigError(`${what}: expected ${rows}×${cols} = ${rows * cols} numbers, got ${F.length}`);
  }
  for (let i = 0; i < F.length; i++) out[i] = F[i];
  return out;
}

function inverseIndices(g: PermGroup): Int32Array {
  const s = g.size;
  const t = g.cayley();
  const inv = new Int32Array(s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      if (t[i * s + j] === 0) {
        inv[i] = j;
        break;
      }
    }
  }
  return inv;
}

function getIrrep(g: PermGroup, irrep: number): Irrep {
  const irreps = characterTable(g).irreps;
  if (!Number.isInteger(irrep) || irrep < 0 || irrep >= irreps.length) {
    throw new ConfigError(`irrep index ${irrep} out of range 0..${irreps.length - 1}`);
  }
  return irreps[irrep];
}

function checkRows(g: PermGroup, rows: number, what: string): void {
  if (rows !== g.size) throw new ConfigError(`${what}: rows must equal the group order ${g.size}, got ${rows}`);
}

/**
 * Project a function on the group onto the isotypic component of an irrep.
 *
 * `W` has one row per group element (row i ↔ `g.elements[i]`), e.g. an
 * embedding matrix. The projector on functions f: G → ℝ^d is
 *   (P_ρ f)(x) = (dim ρ / |G|) Σ_y conj χ_ρ(x y⁻¹) f(y),
 * the isotypic projector of the regular representation (because χ is a
 * class function it is the same for the left and the right action).
 * For a character that is not real, P_ρ f is complex for real f; we return
 * the projection onto ρ ⊕ ρ̄ (kernel 2·Re χ), the smallest real invariant
 * subspace containing it. Projections of all irreps (counting each conjugate
 * pair once) sum to W.
 *
 * @returns a new row-major |G|×cols Float64Array.
 */
export function isotypicProjection(
  g: PermGroup,
  W: MatrixLike,
  rows: number,
  cols: number,
  irrep: number,
): Float64Array {
  checkRows(g, rows, "isotypicProjection");
  const x = getIrrep(g, irrep);
  const f = toFlat(W, rows, cols, "isotypicProjection");
  const s = g.size;
  const t = g.cayley();
  const inv = inverseIndices(g);
  const pair = x.conjugate !== irrep;
  const kernel = x.chi.map((v) => ((pair ? 2 : 1) * x.dim * v) / s);
  const out = new Float64Array(s * cols);
  for (let i = 0; i < s; i++) {
    for (let k = 0; k < s; k++) {
      const w = kernel[g.classOf(t[i * s + inv[k]])];
      if (w === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += w * f[k * cols + j];
    }
  }
  return out;
}

/** Share of one irrep in `isotypicFractions`. */
export interface IrrepFraction {
  label: string;
  dim: number;
  /** ‖P_ρ W‖² / ‖W‖² (after centering, if requested); these sum to 1 over all irreps. */
  fraction: number;
}

/**
 * How the sum of squares of a function on the group splits over irreps.
 *
 * `W` is |G|×cols with row i ↔ element i. With `center` (default true) each
 * column's mean over the group is removed first: the mean *is* the trivial
 * component, and an arbitrary offset of an embedding says nothing about how
 * it represents the group, so by default the fractions are of the variance
 * and "trivial" gets 0. With `center: false` the fractions are of the raw
 * sum of squares and "trivial" is the mean's share.
 *
 * Complex-conjugate irreps each get their own exact share
 * ⟨W, P_ρ W⟩/‖W‖² (equal to each other for real W).
 * If the (centered) function is zero, all weight is given to "trivial" (a
 * constant function lies in the trivial component), so fractions still sum to 1.
 */
export function isotypicFractions(
  g: PermGroup,
  W: MatrixLike,
  rows: number,
  cols: number,
  opts: { center?: boolean } = {},
): IrrepFraction[] {
  checkRows(g, rows, "isotypicFractions");
  const { irreps, classes } = characterTable(g);
  const f = toFlat(W, rows, cols, "isotypicFractions");
  const s = g.size;
  if (opts.center ?? true) {
    for (let j = 0; j < cols; j++) {
      let m = 0;
      for (let i = 0; i < s; i++) m += f[i * cols + j];
      m /= s;
      for (let i = 0; i < s; i++) f[i * cols + j] -= m;
    }
  }
  // Why via class sums: ⟨f, P_ρ f⟩ = (dim/|G|) Σ_c Re χ_c S_c with
  // S_c = Σ_{x y⁻¹ ∈ C_c} ⟨f(x), f(y)⟩, so one pass over pairs serves all irreps.
  const t = g.cayley();
  const inv = inverseIndices(g);
  const S = new Float64Array(classes.length);
  let total = 0;
  for (let i = 0; i < s; i++) {
    for (let k = 0; k < s; k++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += f[i * cols + j] * f[k * cols + j];
      S[g.classOf(t[i * s + inv[k]])] += dot;
      if (i === k) total += dot;
    }
  }
  const energies = irreps.map((x) => {
    let e = 0;
    for (let c = 0; c < classes.length; c++) e += x.chi[c] * S[c];
    return Math.max(0, (x.dim * e) / s);
  });
  if (!(total > 1e-24)) {
    return irreps.map((x) => ({ label: x.label, dim: x.dim, fraction: x.label === "trivial" ? 1 : 0 }));
  }
  // Divide by the sum of the (clamped) energies rather than ‖f‖² so the
  // fractions sum to 1 exactly; the two agree up to rounding.
  const sum = energies.reduce((p, q) => p + q, 0);
  return irreps.map((x, i) => ({ label: x.label, dim: x.dim, fraction: energies[i] / sum }));
}

/**
 * The character cube of an irrep: `T[(a*|G| + b)*|G| + c] = Re χ_ρ(a·b·c⁻¹)`
 * (a·b = compose(a, b)). A model that composes a and b through ρ has logits
 * for output c close to a multiple of this (it peaks at c = a·b, where it
 * equals dim ρ). Size |G|³ — 1.7M entries for S5.
 */
export function characterCube(g: PermGroup, irrep: number): Float64Array {
  const x = getIrrep(g, irrep);
  const s = g.size;
  const t = g.cayley();
  const inv = inverseIndices(g);
  const chiEl = new Float64Array(s);
  for (let i = 0; i < s; i++) chiEl[i] = x.chi[g.classOf(i)];
  const out = new Float64Array(s * s * s);
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const ab = t[a * s + b];
      const base = (a * s + b) * s;
      for (let c = 0; c < s; c++) out[base + c] = chiEl[t[ab * s + inv[c]]];
    }
  }
  return out;
}

/** Similarity of logits with one irrep's character cube. */
export interface IrrepSimilarity {
  label: string;
  dim: number;
  /** Cosine similarity in [−1, 1]; 0 for the trivial irrep (its centered cube is zero). */
  similarity: number;
}

/**
 * Which irreps a composition model's logits look like.
 *
 * `logits` holds L[a, b, c] for all |G|² input pairs: a flat array indexed
 * `(a*|G| + b)*|G| + c`, or |G|² rows of |G| numbers. For each irrep ρ this
 * returns the cosine similarity between the centered logits and the
 * character cube Re χ_ρ(a·b·c⁻¹).
 *
 * Centering: `"row"` (default) subtracts each (a, b) row's mean over c,
 * because softmax ignores a per-row offset; `"global"` subtracts one overall
 * mean. The cube of a non-trivial irrep already has zero row means, so it
 * needs no centering; the trivial cube is constant and gets similarity 0.
 * Complex-conjugate irreps share Re χ and therefore get equal similarity.
 */
export function irrepLogitSimilarity(
  g: PermGroup,
  logits: MatrixLike,
  opts: { center?: "row" | "global" } = {},
): IrrepSimilarity[] {
  const s = g.size;
  const { irreps, classes } = characterTable(g);
  const L = toFlat(logits, s * s, s, "irrepLogitSimilarity");
  const center = opts.center ?? "row";
  if (center === "row") {
    for (let r = 0; r < s * s; r++) {
      let m = 0;
      for (let c = 0; c < s; c++) m += L[r * s + c];
      m /= s;
      for (let c = 0; c < s; c++) L[r * s + c] -= m;
    }
  } else if (center === "global") {
    let m = 0;
    for (let i = 0; i < L.length; i++) m += L[i];
    m /= L.length;
    for (let i = 0; i < L.length; i++) L[i] -= m;
  } else {
    throw new ConfigError(`irrepLogitSimilarity: center must be "row" or "global", got ${String(center)}`);
  }
  // ⟨L̃, T̃⟩ = ⟨L̃, T⟩ (L̃ has zero mean in the sense used, T̃ − T is that mean),
  // and T depends only on the class of a·b·c⁻¹: accumulate L̃ per class once.
  const t = g.cayley();
  const inv = inverseIndices(g);
  const S = new Float64Array(classes.length);
  let normL = 0;
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const ab = t[a * s + b];
      const base = (a * s + b) * s;
      for (let c = 0; c < s; c++) {
        const v = L[base + c];
        S[g.classOf(t[ab * s + inv[c]])] += v;
        normL += v * v;
      }
    }
  }
  const sizes = classes.map((c) => c.length);
  return irreps.map((x) => {
    // Every (a, b) row of the cube runs over all of G once, so
    // ‖T − mean‖² = |G|² Σ_x (Re χ(x) − m)², m = mean of Re χ over G.
    let mean = 0;
    for (let c = 0; c < sizes.length; c++) mean += sizes[c] * x.chi[c];
    mean /= s;
    let normT = 0;
    let dot = 0;
    for (let c = 0; c < sizes.length; c++) {
      normT += sizes[c] * (x.chi[c] - mean) ** 2;
      dot += x.chi[c] * S[c];
    }
    normT *= s * s;
    const denom = Math.sqrt(normL * normT);
    return { label: x.label, dim: x.dim, similarity: denom > 1e-12 ? dot / denom : 0 };
  });
}
