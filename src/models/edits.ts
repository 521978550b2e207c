/**
 * Persistent activation edits: a model may carry, for some of its hook
 * points, a fixed map that replaces the activation there in every forward
 * pass — training, evaluation, and probes through `runWithCache` (which
 * caches the edited activation). Concept erasure (LEACE) installs an affine
 * eraser this way; gradient routing installs the ablation of its routed
 * units.
 *
 * Edits are owned by the model: `model.dispose()` frees them, `setEdit`
 * frees the edit it replaces, and `copyModel` (src/eval/relearn.ts) gives the
 * copy clones, so a relearning attack attacks the model as edited. They hold
 * no trainable variables: an optimiser never changes them.
 *
 * They live in a side table keyed by the model object (the `Model` contract
 * has no field for them), so they follow the object: a wrapper that replaces
 * `model.forward` by a function calling the original keeps them.
 */
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import type { HookFn, Model } from "./types.js";

/** A fixed replacement of one hook point's activation. */
export interface ActivationEdit {
  /** One line saying what it does, e.g. "LEACE eraser, rank 4, d 32". */
  readonly describe: string;
  /**
   * The replacement of `act`, same shape. Called inside the forward pass's
   * `tf.tidy` (and gradient tape): build it from `act` with tf ops so
   * gradients flow through it; never dispose `act` or return a tensor the
   * edit keeps.
   */
  apply(act: Tensor): Tensor;
  /** An independent copy that owns its own tensors. */
  clone(): ActivationEdit;
  /** Free its tensors. */
  dispose(): void;
}

const EDITS = new WeakMap<Model, Map<string, ActivationEdit>>();

function checkHook(model: Model, hookName: string, what: string): void {
  const valid = model.hookPoints.map((h) => h.name);
  if (!valid.includes(hookName)) {
    throw new ConfigError(`${what}: model ${model.arch} has no hook '${hookName}'; valid hooks: ${valid.join(", ")}`);
  }
}

/**
 * Attach `edit` to `model` at `hookName`; the model owns it from now on. An
 * edit already there is disposed and replaced (to stack two, compose them
 * into one edit).
 * @throws ConfigError when the model has no such hook point (listing the valid ones).
 */
export function setEdit(model: Model, hookName: string, edit: ActivationEdit): void {
  checkHook(model, hookName, "setEdit");
  let m = EDITS.get(model);
  if (!m) {
    m = new Map();
    EDITS.set(model, m);
  }
  const old = m.get(hookName);
  if (old && old !== edit) old.dispose();
  m.set(hookName, edit);
}

/** Remove and dispose the edit at `hookName`; false if there was none. */
export function removeEdit(model: Model, hookName: string): boolean {
  const m = EDITS.get(model);
  const e = m?.get(hookName);
  if (!m || !e) return false;
  e.dispose();
  m.delete(hookName);
  return true;
}

/** The model's edits by hook name, in forward order (a snapshot: the edits themselves stay owned by the model). */
export function getEdits(model: Model): ReadonlyMap<string, ActivationEdit> {
  const m = EDITS.get(model);
  const out = new Map<string, ActivationEdit>();
  if (!m) return out;
  for (const h of model.hookPoints) {
    const e = m.get(h.name);
    if (e) out.set(h.name, e);
  }
  return out;
}

/** Remove and dispose every edit of `model` (its `dispose()` calls this). */
export function clearEdits(model: Model): void {
  const m = EDITS.get(model);
  if (!m) return;
  for (const e of m.values()) e.dispose();
  EDITS.delete(model);
}

/** Give `target` clones of `source`'s edits, replacing its own (same hook names; checked against target's hooks). */
export function copyEdits(source: Model, target: Model): void {
  clearEdits(target);
  for (const [name, e] of getEdits(source)) setEdit(target, name, e.clone());
}

/**
 * The hook a model's forward pass should call: `hook` with the model's
 * edits applied first (so `hook` sees, and may further replace, the edited
 * activation). Returns `hook` itself when the model has no edits, so a
 * model with neither edits nor a hook can take a hook-free fast path.
 */
export function hookWithEdits(model: Model, hook?: HookFn): HookFn | undefined {
  const m = EDITS.get(model);
  if (!m || m.size === 0) return hook;
  return (name, act) => {
    const e = m.get(name);
    const edited = e ? checkedReplacement(name, act, e.apply(act), e.describe) : act;
    if (!hook) return edited;
    const r = hook(name, edited);
    return r === undefined ? edited : r;
  };
}

function checkedReplacement(name: string, act: Tensor, r: Tensor, by: string): Tensor {
  if (r.shape.length !== act.shape.length || r.shape.some((s, i) => s !== act.shape[i])) {
    throw new Error(
      `hook '${name}': the replacement (${by}) has shape [${r.shape.join(", ")}], the activation [${act.shape.join(", ")}]`,
    );
  }
  return r;
}

/**
 * Call `hook` (if any) at a hook site and return what the forward pass goes
 * on with: the hook's replacement (shape-checked) or `act` itself. Every hook
 * site of every model goes through this.
 */
export function emit(hook: HookFn | undefined, name: string, act: Tensor): Tensor {
  if (!hook) return act;
  const r = hook(name, act);
  if (r === undefined || r === act) return act;
  return checkedReplacement(name, act, r, "returned by the hook");
}

/**
 * A fixed affine map of each example's flattened activation: the activation
 * [batch, ...] is read as rows a [batch, D] (D = product of the rest) and
 * replaced by a·A + b, reshaped back. `matrix` is A, row-major [D, D] (row i
 * = input feature i); `bias` is b [D] (zero if omitted). The edit copies the
 * data into tensors it owns.
 */
export function affineEdit(
  matrix: ArrayLike<number>,
  bias: ArrayLike<number> | undefined,
  dim: number,
  describe: string,
): ActivationEdit {
  if (matrix.length !== dim * dim) throw new Error(`affineEdit: matrix has ${matrix.length} entries, expected ${dim}²`);
  if (bias && bias.length !== dim) throw new Error(`affineEdit: bias has ${bias.length} entries, expected ${dim}`);
  const A = tf.keep(tf.tensor2d(Float32Array.from(matrix), [dim, dim], "float32"));
  const b = bias ? tf.keep(tf.tensor1d(Float32Array.from(bias), "float32")) : null;
  return affineFromTensors(A, b, dim, describe);
}

function affineFromTensors(A: Tensor, b: Tensor | null, dim: number, describe: string): ActivationEdit {
  let disposed = false;
  return {
    describe,
    apply(act) {
      const B = act.shape[0];
      const flat = act.rank === 2 ? act : tf.reshape(act, [B, -1]);
      if (flat.shape[1] !== dim) {
        throw new Error(`${describe}: expects ${dim} features per example, the activation has ${flat.shape[1]}`);
      }
      const y = b ? tf.add(tf.matMul(flat, A), b) : tf.matMul(flat, A);
      return act.rank === 2 ? y : tf.reshape(y, act.shape);
    },
    clone() {
      return affineFromTensors(tf.keep(tf.clone(A)), b ? tf.keep(tf.clone(b)) : null, dim, describe);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      A.dispose();
      b?.dispose();
    },
  };
}

/**
 * Multiply the activation elementwise by fixed `factors` of shape `shape`,
 * broadcast against [batch, ...] the usual way (e.g. shape [d] scales the
 * last axis: factors of 0 ablate those units, 1 keep them).
 */
export function multiplyEdit(factors: ArrayLike<number>, shape: number[], describe: string): ActivationEdit {
  const size = shape.reduce((a, b) => a * b, 1);
  if (factors.length !== size) {
    throw new Error(`multiplyEdit: ${factors.length} factors for shape [${shape.join(", ")}]`);
  }
  return multiplyFromTensor(tf.keep(tf.tensor(Float32Array.from(factors), shape, "float32")), describe);
}

function multiplyFromTensor(f: Tensor, describe: string): ActivationEdit {
  let disposed = false;
  return {
    describe,
    apply: (act) => tf.mul(act, f),
    clone: () => multiplyFromTensor(tf.keep(tf.clone(f)), describe),
    dispose() {
      if (disposed) return;
      disposed = true;
      f.dispose();
    },
  };
}
