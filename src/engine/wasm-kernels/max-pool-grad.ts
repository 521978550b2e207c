/**
 * `MaxPoolGrad` for wasm: the gradient of `tf.maxPool`, routed to the first
 * maximum of each window (as the cpu backend and TensorFlow do).
 *
 * Why replace wasm's own: tfjs-backend-wasm 4.22 starts each window's
 * running maximum at `std::numeric_limits<float>::min()`, the smallest
 * *positive* float, so a window whose values are all ≤ 0 passes no gradient
 * at all (and ties go to the last maximum). After a ReLU this is harmless
 * (those gradients die in the ReLU anyway), but max-pooling anything that
 * can be negative (pre-activation features, pooling before the ReLU, inputs)
 * trains wrongly on wasm. Written in JS over the wasm heap: one pass over
 * the windows, O(output size · window size).
 */
import { tf } from "../tf.js";
import { type BackendWasm, type KernelArgs, type TensorInfo, zeros } from "./heap.js";

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Kernel function registered as wasm `MaxPoolGrad`. */
export function maxPoolGradKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as Attrs;
  if (input.dtype !== "float32" || dy.dtype !== "float32") throw new Error("MaxPoolGrad on wasm supports float32 only");
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const dx = zeros(backend, input.shape, "float32");
  if (tf.util.sizeFromShape(dy.shape) === 0) return dx;
  // Views after the allocation (it may grow the heap).
  const xs = backend.typedArrayFromHeap(input) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const dxs = backend.typedArrayFromHeap(dx) as Float32Array;
  const rowStride = inWidth * ch;
  const imageStride = inHeight * rowStride;
  let o = 0; // index into dy, NHWC order
  for (let b = 0; b < batchSize; b++) {
    const xb = b * imageStride;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * sw - padLeft;
        for (let c = 0; c < ch; c++, o++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let ky = 0; ky < fh; ky += dh) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= inHeight) continue;
            const row = xb + iy * rowStride + c;
            for (let kx = 0; kx < fw; kx += dw) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= inWidth) continue;
              const v = xs[row + ix * ch];
              if (v > best) {
                // strict: the first maximum wins; an all -∞/NaN window passes nothing (as on cpu)
                best = v;
                at = row + ix * ch;
              }
            }
          }
          if (at >= 0) dxs[at] += dys[o];
        }
      }
    }
  }
  return dx;
}
