/**
 * Kernels that tfjs-backend-wasm 4.22 does not have but training needs.
 * Placeholder: filled in by the wasm fast-path work.
 */
let registered = false;

/** Register the missing training kernels for the wasm backend (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
}
