import type { Rng } from "../engine/rng.js";
import { partition } from "./split.js";

/**
 * Partition rows into parts with the given fractions separately within each
 * stratum (e.g. each modulus), then concatenate the strata's parts. Why: a
 * plain partition of a few hundred rows can leave a small stratum with no
 * test rows at all; per-stratum dealing keeps every stratum at the same
 * fractions. Deterministic per `rng`, disjoint and exhaustive (when the
 * fractions sum to 1) by construction.
 *
 * @param strata the rows of each stratum (global row ids)
 * @param fractions sizes of the parts, as in `partition`
 * @returns one array of row ids per part, strata in the given order
 */
export function stratifiedPartition(strata: readonly Int32Array[], fractions: number[], rng: Rng): Int32Array[] {
  const parts: number[][] = fractions.map(() => []);
  strata.forEach((rows, s) => {
    const local = partition(rows.length, fractions, rng.fork(`stratum:${s}`));
    local.forEach((idx, k) => {
      for (const i of idx) parts[k].push(rows[i]);
    });
  });
  return parts.map((p) => Int32Array.from(p));
}
