import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { groupViews, interpretModel } from "../../src/eval/interp.js";
import { inverse, symmetric } from "../../src/groups/index.js";
import { characterOnElements, irrepIndex } from "../../src/interp/irreps.js";
import { models } from "../../src/models/index.js";
import type { Model } from "../../src/models/types.js";
import { tasks } from "../../src/tasks/index.js";
import type { BuiltTask } from "../../src/tasks/types.js";
import { fastBackend } from "../helpers.js";

const a5s5 = tasks.get("a5-s5").build(tasks.get("a5-s5").configSchema.parse({}), 0);
const s5 = symmetric(5);
const opts = { batchSize: 4096, keyThreshold: 0.05, fourierThreshold: 0.05 };

/** Row g = the 5×5 permutation matrix of g, flattened: the permutation representation = trivial ⊕ standard. */
function permutationMatrices(): Float32Array {
  const W = new Float32Array(120 * 25);
  s5.elements.forEach((p, g) => {
    for (let j = 0; j < 5; j++) W[g * 25 + p[j] * 5 + j] = 1;
  });
  return W;
}

/** A model whose logits for (a, b) are χ(a·b·c⁻¹) of one S5 irrep, read from a table. */
function characterModel(label: string): Model {
  const N = 120;
  const chi = characterOnElements(s5, irrepIndex(s5, label)).re;
  const table = new Float32Array(N * N * N);
  const inv = s5.elements.map((p) => s5.indexOf(inverse(p)));
  const t = s5.cayley(); // t[i*N + j] = index of compose(el[i], el[j])
  for (let a = 0; a < N; a++) {
    for (let b = 0; b < N; b++) {
      const ab = t[a * N + b];
      for (let c = 0; c < N; c++) table[(a * N + b) * N + c] = chi[t[ab * N + inv[c]]];
    }
  }
  const T = tf.tensor2d(table, [N * N, N]);
  return {
    arch: "table",
    params: {},
    hookPoints: [{ name: "hook_logits", shape: "[batch, 120]" }],
    embedParams: [],
    dHidden: N,
    forward(x: Tensor) {
      return tf.tidy(() => {
        const b = x.shape[0];
        const row = tf.add(
          tf.mul(tf.reshape(tf.slice(x, [0, 0], [b, 1]), [b]), tf.scalar(N, "int32")),
          tf.reshape(tf.slice(x, [0, 1], [b, 1]), [b]),
        );
        return tf.gather(T, row);
      });
    },
    dispose() {
      T.dispose();
    },
  };
}

describe("interp glue", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("an S5 embedding from the standard rep reports standard ≥ 0.99 (and A5's 4 on the even rows)", () => {
    const model = models.get("embed-mlp").create({
      input: a5s5.input,
      numClasses: 120,
      config: { dEmbed: 25, dHidden: 8 },
      rng: new Rng(0),
    });
    model.params["embed_left.W"].assign(tf.tensor2d(permutationMatrices(), [120, 25]));
    const r = interpretModel(model, a5s5, opts);
    model.dispose();
    expect(r?.kind).toBe("group");
    if (r?.kind !== "group") return;
    expect(r.groups.map((g) => [g.group, g.order])).toEqual([
      ["S5", 120],
      ["A5", 60],
    ]);
    const frac = (group: number, param: string, label: string) =>
      r.groups[group].embeddings.find((e) => e.param === param)?.fractions.find((f) => f.label === label)?.fraction;
    expect(frac(0, "embed_left.W", "standard")).toBeGreaterThanOrEqual(0.99);
    // Restricted to A5 the standard rep of S5 is A5's irreducible 4.
    expect(frac(1, "embed_left.W", "4")).toBeGreaterThanOrEqual(0.99);
    // The random right embedding spreads over all irreps (none near 1).
    expect(frac(0, "embed_right.W", "standard")).toBeLessThan(0.5);
    expect(r.groups[1].embeddings.map((e) => e.param)).toEqual(["embed_left.W", "embed_right.W", "unembed.W"]);
  });

  it("logits shaped like a character cube make that irrep key, over S5 and over the A5 pairs", () => {
    const model = characterModel("standard");
    const r = interpretModel(model, a5s5, opts);
    model.dispose();
    if (r?.kind !== "group") throw new Error("expected a group result");
    const [S5, A5] = r.groups;
    expect(S5.keyIrreps).toEqual(["standard"]);
    expect(S5.logitSimilarity?.find((x) => x.label === "standard")?.similarity).toBeCloseTo(1, 6);
    expect(A5.keyIrreps).toEqual(["4"]);
    expect(A5.logitSimilarity?.find((x) => x.label === "4")?.similarity).toBeCloseTo(1, 6);
  });

  it("reads the subgroups task's info (h1Indices, h2Indices) and a modular task's moduli", () => {
    const sub = tasks.get("subgroups");
    const views = groupViews(sub.build(sub.configSchema.parse({}), 0).info);
    expect(views.map((v) => [v.name, v.group.size])).toEqual([
      ["G", 24],
      ["H1", 12],
      ["H2", 8],
    ]);
    // Modular: an embedding cos/sin(2π·3a/11) over the residues of 11 has key frequency 3.
    const W = new Float32Array(30 * 2);
    for (let a = 0; a < 30; a++) {
      W[2 * a] = Math.cos((2 * Math.PI * 3 * a) / 11);
      W[2 * a + 1] = Math.sin((2 * Math.PI * 3 * a) / 11);
    }
    const E = tf.variable(tf.tensor2d(W, [30, 2]));
    const fake = { params: { "embed.W": E }, embedParams: ["embed.W"] } as unknown as Model;
    const task = {
      info: { P_X: [7], P_Y: [11] },
      input: { kind: "tokens", vocab: 31, length: 3 },
    } as unknown as BuiltTask;
    const r = interpretModel(fake, task, opts);
    E.dispose();
    if (r?.kind !== "modular") throw new Error("expected a modular result");
    expect(r.moduli.map((m) => m.p)).toEqual([7, 11]);
    expect(r.moduli[1].embeddings[0].keyFrequencies).toEqual([3]);
    expect(r.moduli[1].embeddings[0].keyShare).toBeCloseTo(1, 5);
    expect(interpretModel(fake, { ...task, info: {} }, opts)).toBeNull();
  });
});
