/**
 * Conjugacy classes of a finite permutation group.
 *
 * Kept separate from `PermGroup` so the algorithm can be read (and tested) on
 * its own; `PermGroup.conjugacyClasses()` calls it once and caches the result.
 */
import { compose, inverse, type Perm, permKey } from "./perm.js";

/**
 * Partition `elements` into conjugacy classes.
 *
 * Why conjugate by every element rather than by generators: groups here are
 * small (≤ a few thousand elements), the quadratic cost is negligible, and it
 * needs no knowledge of a generating set.
 *
 * @param elements the group's elements, in the group's index order
 * @returns classes as lists of element indices, each sorted ascending; classes
 *   ordered by their smallest index (so the identity's class comes first when
 *   the identity is element 0, as in `PermGroup`)
 */
export function conjugacyClasses(elements: readonly Perm[]): number[][] {
  const index = new Map<string, number>();
  elements.forEach((p, i) => {
    index.set(permKey(p), i);
  });
  const inverses = elements.map(inverse);
  const classOf = new Int32Array(elements.length).fill(-1);
  const classes: number[][] = [];
  for (let i = 0; i < elements.length; i++) {
    if (classOf[i] >= 0) continue;
    const c = classes.length;
    const members: number[] = [];
    const x = elements[i];
    for (let k = 0; k < elements.length; k++) {
      const y = compose(compose(elements[k], x), inverses[k]);
      const j = index.get(permKey(y));
      if (j === undefined) throw new Error("conjugacyClasses: elements are not closed under conjugation");
      if (classOf[j] < 0) {
        classOf[j] = c;
        members.push(j);
      }
    }
    members.sort((a, b) => a - b);
    classes.push(members);
  }
  // Classes are discovered in order of their smallest index already, because
  // we scan i ascending and start a class at its first unassigned member.
  return classes;
}
