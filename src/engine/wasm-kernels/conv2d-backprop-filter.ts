/**
 * `Conv2DBackpropFilter` for wasm: the gradient of `tf.conv2d` with respect
 * to its filter, which tfjs-backend-wasm 4.22 lacks (so no CNN trains there).
 *
 * dW[kh, kw, c, o] = Σ_{b, y, x} X[b, y·sh + kh − padTop, x·sw + kw − padLeft, c] · dY[b, y, x, o]
 *
 * computed as one matrix product: the patches of X laid out as
 * Pᵀ `[kh·kw·c, b·y·x]` (im2col, written in JS straight into the wasm heap,
 * zeros where a patch reads padding) times dY seen as `[b·y·x, o]`. The
 * product runs on XNNPACK through ./batch-mat-mul.ts, and its `[kh·kw·c, o]`
 * result is already the filter's `[kh, kw, c, o]` layout. NHWC only, like the
 * wasm Conv2D kernel itself; dilation 1, as tfjs-core asserts for this gradient.
 */
import { tf } from "../tf.js";
import { matMul } from "./batch-mat-mul.js";
import { type BackendWasm, type KernelArgs, release, type TensorInfo, view, zeros } from "./heap.js";

interface Attrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/** Kernel function registered as wasm `Conv2DBackpropFilter`. */
export function conv2DBackpropFilterKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Attrs;
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error("Conv2DBackpropFilter on wasm supports float32 only");
  }
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC");
  if (format !== "channelsLast") {
    throw new Error(
      `wasm backend Conv2DBackpropFilter does not support dataFormat:'${dataFormat}'. Please use 'channelsLast'.`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the convolution's output shape`);
  }

  const rows = fh * fw * inChannels; // K
  const cols = batchSize * outHeight * outWidth; // R
  if (rows * cols * outChannels === 0) return zeros(backend, filterShape, "float32");

  const patches = backend.makeOutput([1, rows, cols], "float32");
  // Views after the allocation (it may grow the heap).
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const pt = backend.typedArrayFromHeap(patches) as Float32Array;
  const rowStrideX = inWidth * inChannels;
  const imageStrideX = inHeight * rowStrideX;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      for (let c = 0; c < inChannels; c++) {
        let p = ((kh * fw + kw) * inChannels + c) * cols;
        for (let b = 0; b < batchSize; b++) {
          const xb = b * imageStrideX + c;
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * sh + kh - padTop;
            if (iy < 0 || iy >= inHeight) {
              pt.fill(0, p, p + outWidth);
              p += outWidth;
              continue;
            }
            const xr = xb + iy * rowStrideX;
            let ix = kw - padLeft;
            for (let ox = 0; ox < outWidth; ox++, ix += sw) {
              pt[p++] = ix >= 0 && ix < inWidth ? xs[xr + ix * inChannels] : 0;
            }
          }
        }
      }
    }
  }

  const dy2 = view(backend, dy, [1, cols, outChannels]);
  const out = matMul(backend, patches, dy2, false, false);
  release(backend, patches);
  release(backend, dy2);
  out.shape = [...filterShape];
  return out;
}
