import { type ParseArgsConfig, parseArgs } from "node:util";
import { ConfigError } from "../util/errors.js";

/** Options shared by every command that trains or reads results. */
export const COMMON_OPTIONS = {
  backend: { type: "string", default: "auto" },
  threads: { type: "string" },
  db: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

/** `parseArgs` with strict checking, and its errors turned into ConfigErrors that list the valid flags. */
export function parseFlags<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  // `--steps -3` would read "-3" as a flag; join numeric-looking values so the
  // value reaches validation and gets a message about its range instead.
  const args = config.args ? joinNegativeNumbers(config.args) : config.args;
  try {
    // strict is parseArgs' default: unknown flags and missing values throw
    if (args) config.args = args;
    return parseArgs(config);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const valid = Object.keys(config.options ?? {})
      .map((k) => `--${k}`)
      .join(", ");
    throw new ConfigError(`${msg.split("\n")[0]} (valid flags for ${command}: ${valid})`);
  }
}

/** Parse an integer flag, with a message that names the flag and the allowed range. */
export function intFlag(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  }
  return v;
}

/** Ensure a required string flag is present. */
export function requireFlag(command: string, name: string, value: string | undefined, hint: string): string {
  if (value === undefined || value === "") {
    throw new ConfigError(`antilearn ${command}: --${name} is required (${hint})`);
  }
  return value;
}

function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith("--") && !a.includes("=") && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
