/**
 * The native backend's failure modes: a missing, unloadable or stale addon
 * (pointed at through the ANTILEARN_NATIVE_ADDON seam) is a one-line reason,
 * an error for an explicit `native` and a skip for `auto`, which then picks
 * the next backend; and once the path is right again, native initialises.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { AUTO_ORDER, initBackend } from "../../src/engine/backend.js";
import { nativeAddonPath } from "../../src/engine/native.js";
import { tf } from "../../src/engine/tf.js";

const dir = mkdtempSync(join(tmpdir(), "antilearn-native-"));

/** The backend `auto` should fall to when native is unavailable: the next in AUTO_ORDER that is not tfjs-node. */
const NEXT_AFTER_NATIVE = AUTO_ORDER[AUTO_ORDER.indexOf("native") + 1];

describe("native backend fallback", () => {
  afterEach(() => {
    delete process.env.ANTILEARN_NATIVE_ADDON;
  });

  test("the default addon path is under the package's native/build", () => {
    expect(nativeAddonPath()).toMatch(/native[/\\]build[/\\]Release[/\\]antilearn_native\.node$/);
    process.env.ANTILEARN_NATIVE_ADDON = "/some/where/x.node";
    expect(nativeAddonPath()).toBe("/some/where/x.node");
  });

  test("a missing addon: explicit native fails with the path, auto falls back", async () => {
    const bogus = join(dir, "missing", "antilearn_native.node");
    process.env.ANTILEARN_NATIVE_ADDON = bogus;
    await expect(initBackend("native")).rejects.toThrow(/backend 'native' is not available: native addon not built/);
    const info = await initBackend("auto");
    expect(info.name).toBe(NEXT_AFTER_NATIVE);
    expect(tf.getBackend()).toBe(NEXT_AFTER_NATIVE);
    const reason = info.skipped.find((s) => s.name === "native")?.reason ?? "";
    expect(reason).toContain(bogus);
    expect(reason).not.toContain("\n");
  });

  test("a file that is not an addon: one-line load error", async () => {
    const garbage = join(dir, "garbage.node");
    writeFileSync(garbage, "this is not a shared object\n");
    process.env.ANTILEARN_NATIVE_ADDON = garbage;
    const info = await initBackend("auto");
    expect(info.name).toBe(NEXT_AFTER_NATIVE);
    const reason = info.skipped.find((s) => s.name === "native")?.reason ?? "";
    expect(reason).toMatch(/^native addon at .*garbage\.node failed to load: /);
    expect(reason).not.toContain("\n");
  });

  test("a stale addon (older ABI) is refused", async () => {
    const stale = join(dir, "stale.cjs");
    writeFileSync(stale, "module.exports = { abiVersion: 0 };\n");
    process.env.ANTILEARN_NATIVE_ADDON = stale;
    await expect(initBackend("native")).rejects.toThrow(/is stale \(abi 0, need \d+\); rebuild/);
  });

  test("with the real addon, native initialises", async () => {
    const info = await initBackend("native", 1);
    expect(info.name).toBe("native");
    expect(tf.getBackend()).toBe("native");
    expect(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
