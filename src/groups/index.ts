/**
 * Permutation groups: permutations as image arrays, groups as sorted element
 * lists with Cayley tables and conjugacy classes, and the named groups
 * (S_n, A_n, dihedral) that tasks are built on.
 */
export { conjugacyClasses } from "./conjugacy.js";
export { formatGenerators, generate, PermGroup } from "./group.js";
export { alternating, dihedral, symmetric } from "./named.js";
export {
  comparePerms,
  compose,
  cycles,
  cycleType,
  formatPerm,
  fromCycles,
  identity,
  inverse,
  isPermutation,
  type Perm,
  parity,
  permKey,
} from "./perm.js";
