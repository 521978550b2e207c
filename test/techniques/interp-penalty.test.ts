import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { groupViews } from "../../src/eval/interp.js";
import { parity } from "../../src/groups/perm.js";
import { fourierShares } from "../../src/interp/fourier.js";
import { characterOnElements, characterTable, isotypicFractions } from "../../src/interp/irreps.js";
import type { Model } from "../../src/models/types.js";
import { interpPenalty, penaltyTerms, penaltyValue } from "../../src/techniques/interp-penalty.js";
import { extendingIrreps, irrepProjector } from "../../src/techniques/shared/projectors.js";
import { fastBackend } from "../helpers.js";
import { makeContext, type Trained, tinyConfig, trainWith } from "./harness.js";

const defaults = () => interpPenalty.hparams.parse({});

/** Rows of an embedding parameter (columns for the unembedding) for the given ids, as a flat row-major array. */
function rows(model: Model, param: string, ids: ArrayLike<number>): { data: Float64Array; cols: number } {
  const v = model.params[param];
  const [r, c] = v.shape as [number, number];
  const raw = v.dataSync();
  const byCol = /unembed/.test(param);
  const cols = byCol ? r : c;
  const out = new Float64Array(ids.length * cols);
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = byCol ? raw[j * c + ids[i]] : raw[ids[i] * c + j];
  }
  return { data: out, cols };
}

/** Summed isotypicFractions of the given irrep labels for a5-s5's A5 rows of a parameter. */
function a5Share(t: Trained, param: string, labels: string[]): number {
  const a5 = groupViews(t.task.info)[1];
  const { data, cols } = rows(t.model, param, a5.tokens);
  return isotypicFractions(a5.group, data, a5.group.size, cols)
    .filter((f) => labels.includes(f.label))
    .reduce((s, f) => s + f.fraction, 0);
}

describe("interp-penalty", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  describe("which components", () => {
    it("a5-s5: the A5 irreps that extend to S5 are 4 and 5 (not 3a, 3b)", () => {
      const { ctx, result } = makeContext(tinyConfig("interp-penalty"));
      result.model.dispose();
      const [s5, a5] = groupViews(ctx.task.info);
      const labels = extendingIrreps(s5.group, a5.group, a5.tokens).map(
        (i) => characterTable(a5.group).irreps[i].label,
      );
      expect(labels).toEqual(["4", "5"]);
    });

    it("subgroups (S4 ⊃ A4, D4): A4's 3 extends; in D4 only the restriction of the sign does", () => {
      const config = resolveRunConfig({ task: { name: "subgroups" }, technique: { name: "interp-penalty" } });
      const { ctx, result } = makeContext(config);
      result.model.dispose();
      const [g, h1, h2] = groupViews(ctx.task.info);
      const l1 = extendingIrreps(g.group, h1.group, h1.tokens).map((i) => characterTable(h1.group).irreps[i].label);
      expect(l1).toEqual(["3"]);
      const d4 = extendingIrreps(g.group, h2.group, h2.tokens);
      expect(d4).toHaveLength(1);
      const chi = characterOnElements(h2.group, d4[0]).re;
      h2.group.elements.forEach((p, i) => {
        expect(chi[i]).toBe(parity(p) === 0 ? 1 : -1);
      });
    });

    it("the projector is an orthogonal projection of rank Σ dim² (16 + 25 for A5's 4 and 5)", () => {
      const { ctx, result } = makeContext(tinyConfig("interp-penalty"));
      result.model.dispose();
      const a5 = groupViews(ctx.task.info)[1].group;
      const P = irrepProjector(a5, [3, 4]);
      const s = a5.size;
      let trace = 0;
      for (let i = 0; i < s; i++) {
        trace += P[i * s + i];
        for (let j = 0; j < s; j++) {
          expect(P[i * s + j]).toBeCloseTo(P[j * s + i], 6);
          let pp = 0;
          for (let k = 0; k < s; k++) pp += P[i * s + k] * P[k * s + j];
          expect(pp).toBeCloseTo(P[i * s + j], 5);
        }
      }
      expect(trace).toBeCloseTo(41, 4);
    });
  });

  describe("the penalty's value", () => {
    it("a5-s5: per embedding matrix, the 4 and 5 fractions isotypicFractions reports; the penalty is their mean", () => {
      const { ctx, result } = makeContext(tinyConfig("interp-penalty"));
      try {
        const terms = penaltyTerms(result.model, ctx.task, ctx.xTrain, defaults());
        expect(terms.map((t) => t.param)).toEqual(["embed_left.W", "embed_right.W", "unembed.W"]);
        const expected = terms.map((t) => a5Share(result, t.param, ["4", "5"]));
        terms.forEach((t, i) => {
          const v = t.share(result.model);
          expect(v.dataSync()[0]).toBeCloseTo(expected[i], 4);
          v.dispose();
        });
        const pen = penaltyValue(result.model, terms);
        expect(pen.dataSync()[0]).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 4);
        pen.dispose();
        for (const t of terms) t.dispose();
        const noUnembed = penaltyTerms(result.model, ctx.task, ctx.xTrain, {
          ...defaults(),
          interpPenaltyUnembed: false,
          interpPenaltyIrreps: ["3a"],
        });
        expect(noUnembed.map((t) => [t.param, t.describe])).toEqual([
          ["embed_left.W", "A5: 3a"],
          ["embed_right.W", "A5: 3a"],
        ]);
        for (const t of noUnembed) t.dispose();
      } finally {
        result.model.dispose();
      }
    });

    it("modular: the share at the chosen frequencies of Y's modulus is what fourierShares reports", () => {
      const config = resolveRunConfig(
        applySets({ task: { name: "modular" }, technique: { name: "interp-penalty" }, model: { name: "embed-mlp" } }, [
          "task.P_X=[3,5]",
          "task.P_Y=[7]",
          "model.dEmbed=8",
          "model.dHidden=16",
        ]),
      );
      const { ctx, result } = makeContext(config);
      try {
        const residues = [0, 1, 2, 3, 4, 5, 6];
        const fixed = penaltyTerms(result.model, ctx.task, ctx.xTrain, {
          ...defaults(),
          interpPenaltyFrequencies: [1, 3],
        });
        // The modulus position's table holds no residues in X (separate layout): not penalised.
        expect(fixed.map((t) => t.param)).toEqual(["embed_left.W", "embed_right.W", "unembed.W"]);
        const top = penaltyTerms(result.model, ctx.task, ctx.xTrain, defaults());
        fixed.forEach((t, i) => {
          const { data, cols } = rows(result.model, t.param, residues);
          const shares = fourierShares(data, 7, cols).shares.map((s) => s.share);
          const v = t.share(result.model);
          expect(v.dataSync()[0]).toBeCloseTo(shares[0] + shares[2], 4);
          const w = top[i].share(result.model);
          const sorted = [...shares].sort((a, b) => b - a);
          expect(w.dataSync()[0]).toBeCloseTo(sorted[0] + sorted[1], 4);
          tfDispose(v, w);
        });
        for (const t of [...fixed, ...top]) t.dispose();
        expect(() =>
          penaltyTerms(result.model, ctx.task, ctx.xTrain, { ...defaults(), interpPenaltyFrequencies: [4] }),
        ).toThrow(/out of range 1..3 for p = 7/);
      } finally {
        result.model.dispose();
      }
    });

    it("names what is valid when asked for an irrep no subgroup has", () => {
      const { ctx, result } = makeContext(tinyConfig("interp-penalty"));
      try {
        expect(() =>
          penaltyTerms(result.model, ctx.task, ctx.xTrain, { ...defaults(), interpPenaltyIrreps: ["7"] }),
        ).toThrow(/no subgroup has an irrep '7'; valid: A5: trivial, 3a, 3b, 4, 5/);
      } finally {
        result.model.dispose();
      }
    });
  });

  describe("training", () => {
    let base: Trained;
    let tech: Trained;
    beforeAll(async () => {
      base = await trainWith(tinyConfig("baseline"));
      tech = await trainWith(tinyConfig("interp-penalty"));
    });
    afterAll(() => {
      base.model.dispose();
      tech.model.dispose();
    });

    it("lowers the penalised irreps' share of the embeddings (isotypicFractions) below the baseline's", () => {
      for (const param of ["embed_left.W", "embed_right.W", "unembed.W"]) {
        const b = a5Share(base, param, ["4", "5"]);
        const t = a5Share(tech, param, ["4", "5"]);
        expect(t, param).toBeLessThan(0.5 * b);
      }
    });

    it("keeps the others: 3a and 3b hold the rest of the variance", () => {
      const t = a5Share(tech, "embed_left.W", ["3a", "3b"]);
      expect(t).toBeGreaterThan(0.8);
    });
  });
});

function tfDispose(...ts: { dispose(): void }[]): void {
  for (const t of ts) t.dispose();
}
