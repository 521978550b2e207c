import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vl from "vega-lite";

/** A Vega-Lite spec (the top-level object; typed loosely because we build it from data). */
export type VegaLiteSpec = Record<string, unknown>;

/** Fonts and look shared by every plot, so text renders the same in SVG and PNG. */
const CONFIG = {
  background: "white",
  font: "DejaVu Sans",
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" },
};

/** A rendered plot: the SVG text and a PNG at twice the SVG's size. */
export interface RenderedPlot {
  svg: string;
  png: Buffer;
}

/**
 * Render a Vega-Lite spec in Node without a browser: compile to Vega, draw
 * with the headless `none` renderer to SVG, rasterise with resvg
 * (`rasterize`).
 */
export async function renderPlot(spec: VegaLiteSpec): Promise<RenderedPlot> {
  const full = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", ...spec, config: CONFIG };
  const compiled = vl.compile(full as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return { svg, png: rasterize(svg).png };
  } finally {
    view.finalize();
  }
}

/** A rasterised SVG: the PNG bytes and the RGBA pixels. */
export interface Raster {
  png: Buffer;
  width: number;
  height: number;
  /** RGBA, row-major, `width * height * 4` bytes. */
  pixels: Buffer;
}

/**
 * SVG → PNG at `scale`× with resvg. resvg finds no fonts unless told to load
 * the system's, and then text silently vanishes; DejaVu Sans is the font the
 * plots ask for (Debian: fonts-dejavu-core).
 */
export function rasterize(svg: string, scale = 2): Raster {
  const img = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    fitTo: { mode: "zoom", value: scale },
  }).render();
  return { png: img.asPng(), width: img.width, height: img.height, pixels: img.pixels };
}
