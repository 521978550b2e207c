import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The package version, read from package.json (one level above src/ and
 * dist/). Part of every run id: results from different code versions are
 * different runs.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { version: string }
).version;
