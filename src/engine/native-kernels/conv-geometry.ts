/**
 * Conv2DInfo -> the flat geometry argument list of native/src/conv.cc and
 * maxpool.cc. Shapes, output size and 'same'/'valid'/explicit padding all
 * come from tfjs' own computeConv2DInfo/computePool2DInfo, so the native
 * kernels cannot disagree with tfjs about them. Not a kernel itself.
 */
import type { backend_util } from "@tensorflow/tfjs-core";

/** [B, H, W, Cin, FH, FW, Cout, OH, OW, sH, sW, dH, dW, padTop, padLeft] */
export function convGeometry(c: backend_util.Conv2DInfo): number[] {
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
  ];
}

/** [B, H, W, C, OH, OW, FH, FW, sH, sW, dH, dW, padTop, padLeft] */
export function poolGeometry(c: backend_util.Conv2DInfo): number[] {
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
  ];
}
