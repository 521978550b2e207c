#!/usr/bin/env node
/**
 * Builds the native tfjs backend (native/ -> native/build/Release/antilearn_native.node)
 * with node-gyp. Run by `npm install` (the package's "install" script).
 *
 * The backend is optional: when the build cannot happen (no compiler, no
 * OpenBLAS headers, no node-gyp) this prints one line and exits 0, so the
 * install still succeeds and `initBackend("auto")` falls back to wasm.
 *
 * Environment:
 *   ANTILEARN_SKIP_NATIVE=1        do not build
 *   ANTILEARN_OPENBLAS_INCLUDE=dir  folder holding cblas.h (else common locations are searched)
 *   ANTILEARN_NATIVE_VERBOSE=1     show node-gyp's output
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const verbose = process.env.ANTILEARN_NATIVE_VERBOSE === "1";

function fail(reason) {
  console.log(`antilearn: native backend not built (${reason}); falling back to wasm`);
  process.exit(0);
}

/** The folder with OpenBLAS's cblas.h. */
function findOpenblasInclude() {
  const env = process.env.ANTILEARN_OPENBLAS_INCLUDE;
  if (env) return existsSync(join(env, "cblas.h")) ? env : null;
  const candidates = [];
  // Debian/Ubuntu: /usr/include/<triplet>/openblas-{pthread,openmp,serial}
  try {
    for (const triplet of readdirSync("/usr/include")) {
      for (const flavour of ["openblas-pthread", "openblas-openmp", "openblas-serial"]) {
        candidates.push(join("/usr/include", triplet, flavour));
      }
    }
  } catch {
    // no /usr/include
  }
  candidates.push(
    "/usr/include/openblas", // Fedora, Arch
    "/usr/local/include/openblas",
    "/opt/homebrew/opt/openblas/include", // macOS (Homebrew)
    "/usr/local/opt/openblas/include",
    "/usr/include",
    "/usr/local/include",
  );
  return candidates.find((d) => existsSync(join(d, "cblas.h")) && existsSync(join(d, "openblas_config.h"))) ?? null;
}

/** node-gyp's CLI: a local install, else the copy bundled with npm. */
function findNodeGyp() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    // not a dependency: look for npm's copy
  }
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  const prefix = dirname(dirname(process.execPath));
  candidates.push(
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(prefix, "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  );
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** Last meaningful line of a failed build's output, for the one-line reason. */
function summarise(output) {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("gyp info"));
  const err =
    lines.find((l) => /fatal error|error:/i.test(l) && !l.startsWith("gyp ERR!")) ??
    lines.find((l) => l.startsWith("gyp ERR! stack Error")) ??
    lines.find((l) => l.startsWith("gyp ERR!")) ??
    lines.at(-1) ??
    "unknown error";
  return err.replace(/^gyp ERR! (stack )?/, "").slice(0, 200);
}

if (process.env.ANTILEARN_SKIP_NATIVE === "1") fail("ANTILEARN_SKIP_NATIVE=1");
if (!existsSync(join(nativeDir, "binding.gyp"))) fail("native/binding.gyp is missing from this install");

const include = findOpenblasInclude();
if (!include) fail("OpenBLAS headers not found: install libopenblas-dev, or set ANTILEARN_OPENBLAS_INCLUDE");

const gyp = findNodeGyp();
if (!gyp) fail("node-gyp not found");

const args = [gyp, "rebuild", `--jobs=max`];
// Build against this Node's own headers when it ships them (no download, works offline).
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);

const started = Date.now();
const res = spawnSync(process.execPath, args, {
  cwd: nativeDir,
  env: { ...process.env, ANTILEARN_OPENBLAS_INCLUDE: include },
  encoding: "utf8",
  stdio: verbose ? "inherit" : "pipe",
  maxBuffer: 64 * 1024 * 1024,
});
if (res.error) fail(`node-gyp did not run: ${res.error.message}`);
if (res.status !== 0) fail(verbose ? `node-gyp exited with ${res.status}` : summarise(`${res.stdout}\n${res.stderr}`));

const addon = join(nativeDir, "build", "Release", "antilearn_native.node");
if (!existsSync(addon)) fail("node-gyp succeeded but produced no antilearn_native.node");

// Check that it loads (it opens libopenblas at load time).
const probe = spawnSync(
  process.execPath,
  ["-e", `const a = require(${JSON.stringify(addon)}); process.stdout.write(a.blasConfig())`],
  { encoding: "utf8" },
);
if (probe.status !== 0) fail(`built, but it does not load: ${summarise(probe.stderr)}`);
console.log(`antilearn: native backend built in ${((Date.now() - started) / 1000).toFixed(0)} s (${probe.stdout})`);
