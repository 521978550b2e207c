import { z } from "zod";
import { deriveSeed, Rng } from "../engine/rng.js";
import { formatPerm, fromCycles, generate, isPermutation, type Perm, type PermGroup } from "../groups/index.js";
import { ConfigError } from "../util/errors.js";
import { type ConfigProblem, refineWith, throwProblems } from "./checks.js";
import { dealFiveSplits, tokenSplit } from "./split.js";
import type { BuiltTask, TaskPair } from "./types.js";

/** Largest group accepted: the task enumerates all |G|² pairs. */
export const MAX_GROUP_ORDER = 720;
/** Largest degree accepted (S8 has 40,320 elements; closure beyond that is impractical). */
export const MAX_DEGREE = 8;

/**
 * A generator: a permutation of {0..n-1} in cycle notation (`"(0 1 2)(3 4)"`,
 * points 0-based, cycles disjoint, commas allowed between points, `"e"` or
 * `"()"` for the identity) or as an image array (`[1, 2, 0, 3]` maps i to
 * p[i]).
 */
const generator = z.union([z.string(), z.array(z.number())]);
const generators = (def: (string | number[])[]) => z.array(generator).default(def);
type GeneratorInput = z.infer<typeof generator>;

// One cycle is "(" digits, (separator digits)*, ")": written without nested
// optional parts so that a long bad string cannot backtrack exponentially.
const CYCLES = /^\s*(?:e|(?:\(\s*(?:\d+(?:(?:\s*,\s*|\s+)\d+)*)?\s*\)\s*)*)$/;

/** Points of each cycle of a cycle-notation string, or a message saying what is wrong with it. */
function parseCycles(s: string): number[][] | string {
  if (!CYCLES.test(s)) {
    return `'${s}' is not cycle notation: expected disjoint cycles of 0-based points like "(0 1 2)(3 4)", or "e" for the identity`;
  }
  return [...s.matchAll(/\(([^)]*)\)/g)]
    .map((m) => m[1].split(/[\s,]+/).filter((t) => t !== ""))
    .filter((c) => c.length > 0)
    .map((c) => c.map(Number));
}

/** The smallest degree a generator needs (image-array length, or largest cycle point + 1). */
function degreeOf(g: GeneratorInput): number {
  if (Array.isArray(g)) return g.length;
  const c = parseCycles(g);
  return typeof c === "string" ? 0 : Math.max(1, ...c.flat().map((p) => p + 1));
}

/** Parse one generator at degree `n`, or say what is wrong with it. */
function parseGenerator(g: GeneratorInput, n: number): Perm | string {
  if (Array.isArray(g)) {
    // Through `unknown`: the type guard would otherwise narrow g to never below.
    if (!isPermutation(g as unknown)) {
      return `${JSON.stringify(g)} is not a permutation: an image array must contain each of 0..${g.length - 1} exactly once`;
    }
    if (g.length !== n) {
      return `${JSON.stringify(g)} has ${g.length} images but the groups act on ${n} points (0..${n - 1}); give all ${n} images or use cycle notation`;
    }
    return g;
  }
  const c = parseCycles(g);
  if (typeof c === "string") return c;
  try {
    return fromCycles(n, c);
  } catch (e) {
    if (e instanceof ConfigError) return `'${g}' is not a permutation: ${e.message.replace(/^fromCycles: /, "")}`;
    throw e;
  }
}

const KEYS = ["G", "H1", "H2"] as const;

/** The groups of a config, or every problem found on the way. */
function analyse(c: SubgroupsConfig): { problems: ConfigProblem[]; groups?: Record<(typeof KEYS)[number], PermGroup> } {
  const problems: ConfigProblem[] = [];
  const n = Math.max(1, ...KEYS.flatMap((k) => c[k].map(degreeOf)));
  if (n > MAX_DEGREE) {
    return {
      problems: [{ key: "G", message: `the generators act on ${n} points; at most ${MAX_DEGREE} are supported` }],
    };
  }
  const gens = {} as Record<(typeof KEYS)[number], Perm[]>;
  for (const key of KEYS) {
    if (c[key].length === 0) {
      problems.push({ key, message: "needs at least one generator (an empty list generates only the identity)" });
    }
    gens[key] = [];
    c[key].forEach((g, i) => {
      const p = parseGenerator(g, n);
      if (typeof p === "string") problems.push({ key, message: `generator #${i}: ${p}` });
      else gens[key].push(p);
    });
  }
  if (problems.length) return { problems };
  const G = generate(n, gens.G);
  if (G.size > MAX_GROUP_ORDER) {
    return { problems: [{ key: "G", message: `G has order ${G.size}; at most ${MAX_GROUP_ORDER} is supported` }] };
  }
  const H1 = generate(n, gens.H1);
  const H2 = generate(n, gens.H2);
  const orders = `|G| = ${G.size}, |H1| = ${H1.size}, |H2| = ${H2.size}`;
  for (const [key, H] of [
    ["H1", H1],
    ["H2", H2],
  ] as const) {
    const outside = gens[key].filter((p) => !G.contains(p));
    if (outside.length) {
      problems.push({
        key,
        message: `is not a subgroup of G: its generators ${outside.map(formatPerm).join(", ")} are not in G (${orders})`,
      });
    } else if (H.size === G.size) {
      problems.push({
        key,
        message: `generates all of G (${orders}), so Y (pairs not both in H1 and not both in H2) would be empty; use a proper subgroup`,
      });
    }
  }
  if (problems.length) return { problems };
  const joined = generate(n, [...gens.H1, ...gens.H2]);
  if (joined.size !== G.size) {
    problems.push({
      key: "H2",
      message: `H1 and H2 do not generate G: ⟨H1, H2⟩ has order ${joined.size} but ${orders}; Y must be composition in the group they generate`,
    });
    return { problems };
  }
  return { problems, groups: { G, H1, H2 } };
}

/** Parameters of the subgroups pair. */
export const subgroupsConfig = z
  .object({
    /** Generators of G. Default S4 = ⟨(0 1 2 3), (0 1)⟩. */
    G: generators(["(0 1 2 3)", "(0 1)"]),
    /** Generators of H1. Default A4 = ⟨(0 1 2), (1 2 3)⟩. */
    H1: generators(["(0 1 2)", "(1 2 3)"]),
    /** Generators of H2. Default D4 = ⟨(0 1 2 3), (1 3)⟩, the symmetries of a square with vertices 0..3 in order. */
    H2: generators(["(0 1 2 3)", "(1 3)"]),
    /** Fraction of the X pairs in X.train; the rest is X.test. */
    trainFraction: z.number().gt(0).lt(1).default(0.8),
    /** Fractions of the Y pairs for Y.access and Y.test; Y.relearn gets the rest. */
    yAccessFraction: z.number().gt(0).lt(1).default(0.2),
    yTestFraction: z.number().gt(0).lt(1).default(0.3),
  })
  .strict()
  .superRefine(
    refineWith((c) => {
      const p = analyse(c).problems;
      if (c.yAccessFraction + c.yTestFraction >= 1) {
        p.push({
          key: "yTestFraction",
          message: `yAccessFraction + yTestFraction must be < 1 so that Y.relearn is not empty, got ${c.yAccessFraction} + ${c.yTestFraction}`,
        });
      }
      return p;
    }),
  );
export type SubgroupsConfig = z.infer<typeof subgroupsConfig>;

/** `groupKey` values: which subgroup(s) a pair lies in. */
export const SUBGROUP_KEY = { neither: 0, H1: 1, H2: 2, both: 3 } as const;

/**
 * Seed, last toy example: composition in two subgroups H1, H2 (X) vs in the
 * group G they generate (Y). Tokens are `[a, b]` over all elements of G (in
 * `PermGroup` order), the label is `a∘b` (apply b first), so the output
 * space is G from the start. X = pairs with both elements in H1 or both in
 * H2; Y = every other pair of G×G. `groupKey`: 1 = both in H1 only, 2 = both
 * in H2 only, 3 = both in H1 ∩ H2, 0 = Y.
 */
export const subgroups: TaskPair<typeof subgroupsConfig> = {
  name: "subgroups",
  describe:
    "compose permutations: X = pairs within H1 or within H2, Y = other pairs of G = ⟨H1, H2⟩ (default S4, A4, D4)",
  hypothesis:
    "If the model represents H1 and H2 through restrictions of one faithful representation of G (e.g. S4's standard 3-dim irrep restricts faithfully to both A4 and D4), the products across subgroups come for free; separate representations per subgroup would not carry to G.",
  configSchema: subgroupsConfig,
  defaultModel: "embed-mlp",
  models: ["embed-mlp", "transformer"],
  trainDefaults: { steps: 3000, batchSize: 0, lr: 2e-2, weightDecay: 3, beta1: 0.9, beta2: 0.98, evalEvery: 250 },
  // Both modes (embed is the seed's argument: the 8 elements outside A4 ∪ D4
  // have untrained embeddings), one attack size, so evaluation stays under training time.
  evalDefaults: { relearnK: [1] },
  build(config: SubgroupsConfig, seed: number): BuiltTask {
    const { problems, groups } = analyse(config);
    if (config.yAccessFraction + config.yTestFraction >= 1) {
      problems.push({
        key: "yTestFraction",
        message: `yAccessFraction + yTestFraction must be < 1 so that Y.relearn is not empty, got ${config.yAccessFraction} + ${config.yTestFraction}`,
      });
    }
    throwProblems(problems);
    const { G, H1, H2 } = groups as NonNullable<typeof groups>;
    const N = G.size;
    const inH1 = G.elements.map((p) => H1.contains(p));
    const inH2 = G.elements.map((p) => H2.contains(p));
    const table = G.cayley();
    const tokens = new Int32Array(N * N * 2);
    const labels = new Int32Array(N * N);
    const keys = new Int32Array(N * N);
    const xRows: number[] = [];
    const yRows: number[] = [];
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        const r = a * N + b;
        tokens[2 * r] = a;
        tokens[2 * r + 1] = b;
        labels[r] = table[r];
        const k = (inH1[a] && inH1[b] ? SUBGROUP_KEY.H1 : 0) | (inH2[a] && inH2[b] ? SUBGROUP_KEY.H2 : 0);
        keys[r] = k;
        (k === SUBGROUP_KEY.neither ? yRows : xRows).push(r);
      }
    }
    const rng = new Rng(deriveSeed(seed, "task:subgroups"));
    const splits = dealFiveSplits(xRows, yRows, config, rng, (name, rows) =>
      tokenSplit(name, tokens, labels, 2, rows, keys),
    );
    const names = G.elements.map(formatPerm);
    const indicesOf = (H: PermGroup) => H.elements.map((p) => G.indexOf(p));
    return {
      splits,
      chanceX: 1 / N,
      chanceY: 1 / N,
      numClasses: N,
      input: { kind: "tokens", vocab: N, length: 2 },
      info: {
        group: "G",
        degree: G.n,
        orders: { G: N, H1: H1.size, H2: H2.size, H1capH2: inH1.filter((v, i) => v && inH2[i]).length },
        generators: Object.fromEntries(KEYS.map((k) => [k, config[k]])),
        /** Each element of G as an image array; token i is element i. */
        perms: G.elements.map((p) => [...p]),
        elements: names,
        h1Indices: indicesOf(H1),
        h2Indices: indicesOf(H2),
        groupKey: "1 = both in H1 only, 2 = both in H2 only, 3 = both in H1 ∩ H2, 0 = Y (neither)",
        composition: "(a∘b)(i) = a(b(i))",
        tokenNames: names,
        classNames: names,
      },
    };
  },
};
