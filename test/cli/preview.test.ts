import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { previewCommand } from "../../src/cli/commands/preview.js";
import { toBytes } from "../../src/data/index.js";
import { shapes } from "../../src/tasks/shapes.js";
import { ConfigError } from "../../src/util/errors.js";

const dir = mkdtempSync(join(tmpdir(), "antilearn-preview-"));

/** Run the command in-process and capture what it prints. */
async function preview(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    return { code: await previewCommand(args), out };
  } finally {
    spy.mockRestore();
  }
}

/** Minimal PNG reader for what encodePng writes: 8-bit, no interlace, filter 0 on every row. */
function decodePng(file: string) {
  const png = readFileSync(file);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const channels = { 0: 1, 2: 3, 6: 4 }[png[25]] as number;
  const idat: Buffer[] = [];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    if (png.toString("latin1", o + 4, o + 8) === "IDAT") idat.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = (r: number, c: number, ch: number) => raw[r * (stride + 1) + 1 + c * channels + ch];
  return { width, height, channels, px };
}

afterEach(() => vi.restoreAllMocks());

describe("antilearn preview", () => {
  const sets = ["task.xTrain=6", "task.xTest=6", "task.yAccess=6", "task.yTest=6", "task.yRelearn=6"].flatMap((s) => [
    "--set",
    s,
  ]);

  it("writes a PNG grid for an image pair: one row per split, tiles equal to the split's images", async () => {
    const file = join(dir, "shapes.png");
    const { code, out } = await preview([
      "--task",
      "shapes",
      ...sets,
      "--set",
      "task.variant=colour",
      "--n",
      "4",
      "--seed",
      "3",
      "--out",
      file,
      "--scale",
      "2",
    ]);
    expect(code).toBe(0);
    // 4 tiles of 32 px with 2 px padding, 5 rows, then ×2
    const png = decodePng(file);
    expect([png.width, png.height, png.channels]).toEqual([(4 * 32 + 5 * 2) * 2, (5 * 32 + 6 * 2) * 2, 3]);
    const task = shapes.build(
      shapes.configSchema.parse({ xTrain: 6, xTest: 6, yAccess: 6, yTest: 6, yRelearn: 6, variant: "colour" }),
      3,
    );
    // Row 3 (Y.test), tile 2: compare every pixel (top-left of each 2×2 block) with the split's image.
    const img = toBytes((task.splits["Y.test"].x as Float32Array).subarray(2 * 32 * 32 * 3, 3 * 32 * 32 * 3));
    const top = 2 + 3 * (32 + 2);
    const left = 2 + 2 * (32 + 2);
    let mismatches = 0;
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        for (let ch = 0; ch < 3; ch++) {
          if (png.px((top + r) * 2, (left + c) * 2, ch) !== img[(r * 32 + c) * 3 + ch]) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(out).toMatch(/sizes: X\.train 6, X\.test 6, Y\.access 6, Y\.test 6, Y\.relearn 6/);
    // The table names each shown example's class on its side.
    const yTestRow = out.split("\n").find((l) => /^Y\.test\s+2\s/.test(l)) as string;
    expect(yTestRow).toContain(task.splits["Y.test"].y[2] === 0 ? "0 (red square)" : "1 (blue square)");
    expect(out).toMatch(/^X\.train\s+0\s+\d \((red square|blue triangle)\)/m);
  });

  it("prints a table of examples for a symbolic pair, with decoded tokens", async () => {
    const { code, out } = await preview(["--task", "modular", "--set", "task.P_X=[5,7]", "--set", "task.P_Y=[3]"]);
    expect(code).toBe(0);
    const rows = out.split("\n").filter((l) => /^(X|Y)\.\w+\s+\d+\s/.test(l));
    // 8 of X.train and of X.test; Y's 9 pairs of p = 3 are dealt 2 / 3 / 4 (fractions 0.2 / 0.3 / rest)
    expect(rows).toHaveLength(8 + 8 + 2 + 3 + 4);
    let checked = 0;
    for (const row of rows) {
      const m = /^(\S+)\s+\d+\s+(\d+), (\d+), p=(\d+)\s+(\d+) \(\d+\)\s+(\d+)/.exec(row);
      expect(m, row).not.toBeNull();
      const [, split, a, b, p, y, key] = (m as RegExpExecArray).map((v, i) => (i === 1 ? v : Number(v))) as [
        string,
        string,
        number,
        number,
        number,
        number,
        number,
      ];
      expect(y).toBe((a + b) % p);
      expect(key).toBe(p);
      expect(split.startsWith("X") ? [5, 7] : [3]).toContain(p);
      checked++;
    }
    expect(checked).toBe(rows.length);
  });

  it("names bad input", async () => {
    await expect(preview(["--task", "modular", "--set", "model.dModel=8"])).rejects.toThrow(
      /--set takes task parameters only/,
    );
    await expect(preview(["--task", "modular", "--set", "task.P_Y=[]"])).rejects.toThrow(/task\.P_Y: is empty/);
    await expect(preview(["--task", "modular", "--set", "task.nope=1"])).rejects.toThrow(
      /unknown key 'task\.nope'; valid keys: task\.P_X/,
    );
    await expect(preview(["--task", "subgroups", "--out", join(dir, "x.png")])).rejects.toThrow(ConfigError);
    await expect(preview(["--task", "nope"])).rejects.toThrow(/unknown task 'nope'/);
    await expect(preview([])).rejects.toThrow(/--task is required/);
  });
});
