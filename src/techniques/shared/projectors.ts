import type { PermGroup } from "../../groups/group.js";
import { characterOnElements, characterTable, isotypicProjection } from "../../interp/irreps.js";

/**
 * The matrix P (|G|×|G|, row-major) of the orthogonal projection of
 * functions on `g` onto the sum of the isotypic components of `irreps`
 * (indices into `characterTable(g).irreps`): P·W projects every column of a
 * |G|×d matrix W. Built by applying `isotypicProjection` to the identity, so
 * it is exactly the projector `isotypicFractions` measures shares with
 * (‖P_ρ W‖² / ‖W − mean‖² = ρ's fraction). A complex irrep and its
 * conjugate share one real projector (ρ ⊕ ρ̄), counted once.
 */
export function irrepProjector(g: PermGroup, irreps: readonly number[]): Float32Array {
  const s = g.size;
  const table = characterTable(g).irreps;
  const seen = new Set<number>();
  const out = new Float32Array(s * s);
  const eye = new Float64Array(s * s);
  for (let i = 0; i < s; i++) eye[i * s + i] = 1;
  for (const r of irreps) {
    const key = Math.min(r, table[r].conjugate);
    if (seen.has(key)) continue;
    seen.add(key);
    const p = isotypicProjection(g, eye, s, s, r);
    for (let i = 0; i < s * s; i++) out[i] += p[i];
  }
  return out;
}

/**
 * Irreps of the subgroup `h` that are restrictions of an irrep of `parent`
 * (the trivial one excluded: it is the mean, which shares ignore). For A5 in
 * S5 these are `4` (S5's standard) and `5` (5a and 5b both restrict to it);
 * 3a and 3b are not (S5's 6 restricts to 3a ⊕ 3b). `tokensInParent[i]` is
 * the index in `parent` of `h.elements[i]`.
 */
export function extendingIrreps(parent: PermGroup, h: PermGroup, tokensInParent: ArrayLike<number>): number[] {
  const sub = characterTable(h).irreps;
  const par = characterTable(parent).irreps;
  const parChars = par.map((_, j) => characterOnElements(parent, j));
  const out: number[] = [];
  sub.forEach((rho, i) => {
    if (rho.label === "trivial") return;
    const chi = characterOnElements(h, i);
    const extends_ = parChars.some((sigma) => {
      for (let e = 0; e < h.size; e++) {
        const t = tokensInParent[e];
        if (Math.abs(sigma.re[t] - chi.re[e]) > 1e-9 || Math.abs(sigma.im[t] - chi.im[e]) > 1e-9) return false;
      }
      return true;
    });
    if (extends_) out.push(i);
  });
  return out;
}

/**
 * Real DFT basis over residues 0..p−1 for frequencies k = 1..⌊p/2⌋, scaled
 * so that the energy at k of a centred column v is ‖C_k v‖² + ‖S_k v‖², with
 * C_k = √(w_k/p)·cos(2πka/p), S_k likewise with sin, w_k = 2 (1 for k = p/2).
 * The energies of all k sum to ‖v − mean‖² (Parseval), so energy_k / total
 * is exactly the share `fourierShares` (src/interp/fourier.ts) reports.
 * @returns row-major [⌊p/2⌋, p] matrices; row k−1 is frequency k.
 */
export function fourierBasis(p: number): { cos: Float32Array; sin: Float32Array; half: number } {
  const half = Math.floor(p / 2);
  const cos = new Float32Array(half * p);
  const sin = new Float32Array(half * p);
  for (let k = 1; k <= half; k++) {
    const scale = Math.sqrt((2 * k === p ? 1 : 2) / p);
    for (let a = 0; a < p; a++) {
      // (k·a) mod p keeps the angle small, as in fourierShares.
      const ang = (2 * Math.PI * ((k * a) % p)) / p;
      cos[(k - 1) * p + a] = scale * Math.cos(ang);
      sin[(k - 1) * p + a] = scale * Math.sin(ang);
    }
  }
  return { cos, sin, half };
}
