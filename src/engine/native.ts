/**
 * The native backend: tfjs' cpu kernels with the hot ones replaced by C++ on
 * OpenBLAS through an N-API addon (native/). Placeholder until the addon lands.
 */
import { registerBackendProvider } from "./backend.js";

registerBackendProvider("native", {
  tfName: "native",
  async register() {
    throw new Error("native addon not built");
  },
});
