import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal configs have equal
 * text whatever order their keys were written in. Numbers use JS's shortest
 * round-trip form; `undefined` fields are dropped.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** First 16 hex digits of SHA-256 of the canonical JSON: the run id. */
export function hashConfig(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}
