/**
 * Activation codes shared by the fused kernels (_FusedMatMul, FusedConv2D),
 * which apply the activation in place on their output instead of running a
 * separate kernel over it. Not a kernel itself.
 */

/** Codes of `enum Activation` in native/src/common.h; null for those done in JS (prelu). */
export function activationCode(name: string | undefined | null): number | null {
  switch (name ?? "linear") {
    case "linear":
      return 0;
    case "relu":
      return 1;
    case "relu6":
      return 2;
    case "leakyrelu":
      return 3;
    case "sigmoid":
      return 4;
    case "elu":
      return 5;
    default:
      return null;
  }
}
