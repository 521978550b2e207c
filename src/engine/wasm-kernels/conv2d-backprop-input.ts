/**
 * `Conv2DBackpropInput` for wasm: the gradient of `tf.conv2d` with respect to
 * its input (needed for every conv layer after the first).
 *
 * Why replace wasm's own: it is correct but a scalar loop (~2 GFLOP/s; 23 ms
 * for a 64×13×13×16 input with a 3×3×16×32 filter). Here it is one XNNPACK
 * product plus a scatter-add in JS:
 *   dcols `[b·y·x, kh·kw·c]` = dY `[b·y·x, o]` · Wᵀ (W seen as `[kh·kw·c, o]`)
 *   dX[b, y·sh + kh − padTop, x·sw + kw − padLeft, c] += dcols[…]   (col2im)
 * The scatter runs over contiguous channel runs. NHWC only; NCHW goes to
 * the original kernel.
 */
import { tf } from "../tf.js";
import { matMul } from "./batch-mat-mul.js";
import { type BackendWasm, type KernelArgs, release, type TensorInfo, view, zeros } from "./heap.js";

interface Attrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/** The wasm backend's own kernel, for what this one does not handle (NCHW). */
export const conv2DBackpropInputOriginal: { kernelFunc?: tf.KernelFunc } = {};

/** Kernel function registered as wasm `Conv2DBackpropInput`. */
export function conv2DBackpropInputKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Attrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC");
  if (format !== "channelsLast" || dy.dtype !== "float32" || filter.dtype !== "float32") {
    const original = conv2DBackpropInputOriginal.kernelFunc;
    if (!original) throw new Error("internal: wasm Conv2DBackpropInput original not captured");
    return original(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`Conv2DBackpropInput: dy shape [${dy.shape}] does not match the convolution's output shape`);
  }
  const k = fh * fw * ci;
  const rows = batchSize * outHeight * outWidth;
  if (rows * k * outChannels === 0) return zeros(backend, [...inputShape], "float32");

  const dy2 = view(backend, dy, [rows, outChannels]);
  const w2 = view(backend, filter, [k, outChannels]);
  const cols = matMul(backend, dy2, w2, false, true); // [rows, k]
  release(backend, dy2);
  release(backend, w2);

  const dx = zeros(backend, [...inputShape], "float32");
  // Views after the last allocation (it may grow the heap).
  const cs = backend.typedArrayFromHeap(cols) as Float32Array;
  const dxs = backend.typedArrayFromHeap(dx) as Float32Array;
  const rowStride = inWidth * ci;
  const imageStride = inHeight * rowStride;
  let p = 0; // index into cols: row (b, oy, ox), then (kh, kw, c)
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let kh = 0; kh < fh; kh++) {
          const iy = oy * sh + kh - padTop;
          if (iy < 0 || iy >= inHeight) {
            p += fw * ci;
            continue;
          }
          const rowBase = b * imageStride + iy * rowStride;
          for (let kw = 0; kw < fw; kw++) {
            const ix = ox * sw + kw - padLeft;
            if (ix < 0 || ix >= inWidth) {
              p += ci;
              continue;
            }
            let q = rowBase + ix * ci;
            for (let c = 0; c < ci; c++) dxs[q++] += cs[p++];
          }
        }
      }
    }
  }
  release(backend, cols);
  return dx;
}
