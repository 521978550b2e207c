/**
 * The WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, SIMD, no threads in
 * Node) plus the training kernels it lacks in 4.22, registered by
 * ./wasm-kernels/ so that every model trains on it.
 */
import "@tensorflow/tfjs-backend-wasm";
import { registerBackendProvider } from "./backend.js";
import { registerWasmTrainingKernels } from "./wasm-kernels/index.js";

registerBackendProvider("wasm", {
  tfName: "wasm",
  async register() {
    registerWasmTrainingKernels();
  },
});
