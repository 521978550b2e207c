/**
 * Shape logic shared by BatchMatMul.ts and _FusedMatMul.ts: operand sizes,
 * the broadcast batch shape, and, when both operands' batch dims broadcast
 * against each other (e.g. [2,1,M,K] x [1,3,K,N]), the (a, b) batch index
 * of every output matrix. Not a kernel itself.
 */
import { tf } from "../tf.js";
import { sizeOf } from "./shared.js";

export interface MatMulPlan {
  M: number;
  N: number;
  K: number;
  batch: number;
  aBatches: number;
  bBatches: number;
  pairs: Int32Array | null;
  outShape: number[];
}

export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan {
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kB = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (K !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${K}) and (${kB}) of Tensors with shapes ${aShape} and ${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aBatchShape = aShape.slice(0, -2);
  const bBatchShape = bShape.slice(0, -2);
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const aBatches = sizeOf(aBatchShape);
  const bBatches = sizeOf(bBatchShape);
  const batch = sizeOf(outBatch);
  let pairs: Int32Array | null = null;
  if ((aBatches !== batch && aBatches !== 1) || (bBatches !== batch && bBatches !== 1)) {
    pairs = new Int32Array(2 * batch);
    const R = outBatch.length;
    const pa = [...new Array(R - aBatchShape.length).fill(1), ...aBatchShape];
    const pb = [...new Array(R - bBatchShape.length).fill(1), ...bBatchShape];
    for (let i = 0; i < batch; i++) {
      let rem = i;
      let ia = 0;
      let ib = 0;
      let sa = 1;
      let sb = 1;
      for (let d = R - 1; d >= 0; d--) {
        const idx = rem % outBatch[d];
        rem = Math.floor(rem / outBatch[d]);
        if (pa[d] !== 1) ia += idx * sa;
        if (pb[d] !== 1) ib += idx * sb;
        sa *= pa[d];
        sb *= pb[d];
      }
      pairs[2 * i] = ia;
      pairs[2 * i + 1] = ib;
    }
  }
  return { M, N, K, batch, aBatches, bBatches, pairs, outShape: [...outBatch, M, N] };
}
