/**
 * Vega-Lite specs for the report's plots, built from the flat rows of
 * `data.ts`. Every plot has titled axes and a legend for its colours; seeds
 * are drawn as separate thin lines (not averaged away) so the spread is
 * visible.
 */
import type { CurveRow, FourierRow, IrrepRow, ProbeRow, RelearnRow } from "./data.js";
import type { VegaLiteSpec } from "./render.js";

const WIDTH = 320;
const HEIGHT = 200;

/** Legend title and placement shared by the plots (long technique labels need the room below). */
const seriesColor = (title = "technique") => ({
  field: "series",
  type: "nominal",
  title,
  legend: { orient: "bottom", direction: "vertical", columns: 2 },
});

/** accX and accY during training, one panel per metric, one colour per technique, one line per seed. */
export function trainingCurvesSpec(rows: CurveRow[], title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: {
      column: { field: "metric", type: "nominal", title: null, header: { labelExpr: "'Test ' + datum.value" } },
    },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: "line", strokeWidth: 1.5, opacity: 0.85 },
      encoding: {
        x: { field: "step", type: "quantitative", title: "training step" },
        y: { field: "value", type: "quantitative", title: "accuracy", scale: { domain: [0, 1] } },
        color: seriesColor(),
        detail: { field: "seed", type: "nominal" },
      },
    },
  };
}

/** Y.test accuracy during the relearning attack: trained model (solid) vs a fresh one (dashed), per attack. */
export function relearnSpec(rows: RelearnRow[], title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: { field: "attack", type: "nominal", title: null },
    columns: 4,
    spec: {
      width: 240,
      height: 160,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "step", type: "quantitative", title: "fine-tuning step on Y.relearn" },
        y: { field: "acc", type: "quantitative", title: "Y.test accuracy", scale: { domain: [0, 1] } },
        color: seriesColor(),
        strokeDash: {
          field: "model",
          type: "nominal",
          title: "model",
          scale: {
            domain: ["trained", "fresh"],
            range: [
              [1, 0],
              [5, 3],
            ],
          },
        },
        detail: { field: "seed", type: "nominal" },
      },
    },
  };
}

/** Y.test accuracy of a linear probe on each hook, trained model vs fresh, mean over seeds. */
export function probeSpec(rows: ProbeRow[], title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: {
      column: {
        field: "model",
        type: "nominal",
        title: null,
        sort: ["trained", "fresh"],
        header: { labelExpr: "datum.value + ' model'" },
      },
    },
    spec: {
      width: { step: 14 },
      height: HEIGHT,
      mark: "bar",
      encoding: {
        x: { field: "hook", type: "nominal", title: "hook", sort: null },
        xOffset: { field: "series", type: "nominal" },
        y: { aggregate: "mean", field: "acc", type: "quantitative", title: "probe accuracy on Y.test" },
        color: seriesColor(),
      },
    },
  };
}

/** One point of a sweep plot: a metric's mean (± CI) at one value of the swept key. */
export interface SweepPoint {
  x: number | string;
  /** The other swept keys' values, e.g. "lr=0.001" ("all" when only one key varies). */
  series: string;
  metric: string;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * A metric against a swept key: one panel per metric, mean over seeds with
 * a 95% CI bar, one colour per combination of the other swept keys. A log x
 * axis when the values are positive and span more than two decades.
 */
export function sweepSpec(points: SweepPoint[], key: string, title: string): VegaLiteSpec {
  const xs = points.map((p) => p.x);
  const numeric = xs.every((x) => typeof x === "number");
  const nums = xs as number[];
  const log = numeric && nums.every((x) => x > 0) && Math.max(...nums) / Math.min(...nums) > 100;
  const x = numeric
    ? { field: "x", type: "quantitative", title: key, scale: log ? { type: "log" } : { zero: false } }
    : { field: "x", type: "ordinal", title: key };
  const withCI = points.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
  return {
    title,
    facet: { column: { field: "metric", type: "nominal", title: null } },
    data: { values: points.map((p) => ({ ...p, hasCI: withCI.includes(p) })) },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      encoding: { x, color: seriesColor("other swept keys") },
      layer: [
        {
          mark: { type: "line", point: true },
          encoding: { y: { field: "mean", type: "quantitative", title: "mean over seeds (95% CI)" } },
        },
        {
          transform: [{ filter: "datum.hasCI" }],
          mark: { type: "rule" },
          encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
        },
      ],
    },
  };
}

/** Irrep shares per embedding (and the logits' similarity per irrep), mean over seeds, one colour per technique. */
export function irrepSpec(rows: IrrepRow[], title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: { column: { field: "param", type: "nominal", title: null } },
    spec: {
      width: { step: 12 },
      height: HEIGHT,
      mark: "bar",
      encoding: {
        x: { field: "irrep", type: "nominal", title: "irrep", sort: null },
        xOffset: { field: "series", type: "nominal" },
        y: { aggregate: "mean", field: "value", type: "quantitative", title: "share of variance / similarity" },
        color: seriesColor(),
      },
    },
  };
}

/** Share of each embedding's norm per Fourier frequency k, mean over seeds, one colour per technique. */
export function fourierSpec(rows: FourierRow[], title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: {
      column: { field: "param", type: "nominal", title: null },
      row: { field: "p", type: "ordinal", title: "modulus p" },
    },
    spec: {
      width: WIDTH,
      height: 120,
      mark: { type: "line", point: { size: 10 } },
      encoding: {
        x: { field: "k", type: "quantitative", title: "frequency k", axis: { tickMinStep: 1, format: "d" } },
        y: { aggregate: "mean", field: "share", type: "quantitative", title: "share of norm" },
        color: seriesColor(),
      },
    },
  };
}
