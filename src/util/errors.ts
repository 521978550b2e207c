/**
 * One error class per kind of failure, so callers (the CLI, the bench runner)
 * can tell a user's mistake from a data problem from a numerical blow-up, and
 * every message says what was expected.
 */

/** Base class: every antilearn error has a short machine-readable `kind`. */
export class AntilearnError extends Error {
  readonly kind: string = "antilearn";
}

/** A config, flag or parameter is wrong. The message names the key and the allowed values. */
export class ConfigError extends AntilearnError {
  override readonly kind = "config";
  override name = "ConfigError";
}

/** A name that is not in a registry (task, technique, model, workload …). */
export class UnknownNameError extends ConfigError {
  override name = "UnknownNameError";
  constructor(
    readonly what: string,
    readonly given: string,
    readonly valid: readonly string[],
  ) {
    super(`unknown ${what} '${given}'; valid ${what}s: ${valid.join(", ")}`);
  }
}

/** A dataset file is missing, truncated or corrupt. */
export class DataError extends AntilearnError {
  override readonly kind = "data";
  override name = "DataError";
}

/** Training diverged: a NaN or infinite loss. The run is stopped and recorded as failed. */
export class NumericalError extends AntilearnError {
  override readonly kind = "numerical";
  override name = "NumericalError";
}

/** A technique or evaluation touched a split it is not allowed to see. */
export class SplitAccessError extends AntilearnError {
  override readonly kind = "split-access";
  override name = "SplitAccessError";
}

/** A run id that is not in the store. */
export class NotFoundError extends AntilearnError {
  override readonly kind = "not-found";
  override name = "NotFoundError";
}
