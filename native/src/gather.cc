// Embedding lookups and their gradient: GatherV2 (row copies), the
// UnsortedSegmentSum that tf.gather's gradient uses (tfjs' cpu kernel builds
// one mask per segment, O(segments x rows x width), which took 70 s per step
// on a 120-row table with 5760 lookups; this is one pass), and OneHot.
#include <algorithm>
#include <cstring>
#include <string>

#include "common.h"

namespace al {

namespace {

AL_CLONES void add_row(float* __restrict dst, const float* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

/**
 * gather(x, outer, N, inner, indices Int32Array, out): out[o, i, :] =
 * x[o, indices[i], :] for x viewed as [outer, N, inner] (the axis folded).
 * Throws like the cpu kernel for an index outside [0, N).
 */
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Buf x = buf(info, 0);
  int64_t outer = int_arg(info, 1), N = int_arg(info, 2), inner = int_arg(info, 3);
  size_t nIdx;
  const int32_t* idx = i32(info, 4, &nIdx);
  Buf o = buf(info, 5);
  if (x.elem != o.elem || static_cast<int64_t>(x.length) != outer * N * inner ||
      static_cast<int64_t>(o.length) != outer * static_cast<int64_t>(nIdx) * inner)
    throw Napi::RangeError::New(info.Env(), "gather: shapes do not match buffers");
  for (size_t i = 0; i < nIdx; i++)
    if (idx[i] < 0 || idx[i] >= N)
      throw Napi::RangeError::New(info.Env(), "GatherV2: the index value " + std::to_string(idx[i]) + " is not in [0, " +
                                                  std::to_string(N - 1) + "]");
  const size_t e = x.elem, rowBytes = inner * e;
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(o.data);
  const int64_t rows = outer * static_cast<int64_t>(nIdx);
  parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, inner)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t oi = r / static_cast<int64_t>(nIdx), i = r % static_cast<int64_t>(nIdx);
      std::memcpy(dst + r * rowBytes, src + (oi * N + idx[i]) * rowBytes, rowBytes);
    }
  });
  return info.Env().Undefined();
}

/**
 * segmentSum(x, ids Int32Array, numSegments, out): out[s, :] = sum of x[i, :]
 * over ids[i] == s, in increasing i; ids outside [0, numSegments) are dropped
 * (TensorFlow's semantics). x is [ids.length, inner], out [numSegments, inner].
 * Threads split the columns, so each output element has one writer.
 */
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  size_t nx, nIds, no;
  const float* x = f32(info, 0, &nx);
  const int32_t* ids = i32(info, 1, &nIds);
  int64_t numSeg = int_arg(info, 2);
  float* out = f32(info, 3, &no);
  if (nIds == 0) {
    std::memset(out, 0, no * sizeof(float));
    return info.Env().Undefined();
  }
  const int64_t inner = static_cast<int64_t>(nx / nIds);
  if (static_cast<size_t>(inner) * nIds != nx || static_cast<int64_t>(no) != numSeg * inner)
    throw Napi::RangeError::New(info.Env(), "segmentSum: shapes do not match buffers");
  std::memset(out, 0, no * sizeof(float));
  if (inner == 0) return info.Env().Undefined();
  const int64_t n = static_cast<int64_t>(nIds);
  const int64_t blocks = inner >= 512 && n * inner >= (1 << 16) ? std::min<int64_t>(num_threads(), inner / 256) : 1;
  const int64_t width = (inner + blocks - 1) / blocks;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t c0 = blk * width, c1 = std::min(inner, c0 + width);
      for (int64_t i = 0; i < n; i++) {
        const int32_t s = ids[i];
        if (s < 0 || s >= numSeg) continue;
        add_row(out + s * inner + c0, x + i * inner + c0, c1 - c0);
      }
    }
  });
  return info.Env().Undefined();
}

/** oneHot(indices Int32Array, depth, onValue, offValue, out Float32Array|Int32Array) */
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  size_t n;
  const int32_t* idx = i32(info, 0, &n);
  int64_t depth = int_arg(info, 1);
  double on = num_arg(info, 2), off = num_arg(info, 3);
  Buf o = buf(info, 4);
  if (static_cast<int64_t>(o.length) != static_cast<int64_t>(n) * depth)
    throw Napi::RangeError::New(info.Env(), "oneHot: output size");
  if (o.type == napi_float32_array) {
    float* out = static_cast<float*>(o.data);
    std::fill(out, out + o.length, static_cast<float>(off));
    for (size_t i = 0; i < n; i++)
      if (idx[i] >= 0 && idx[i] < depth) out[i * depth + idx[i]] = static_cast<float>(on);
  } else if (o.type == napi_int32_array) {
    int32_t* out = static_cast<int32_t*>(o.data);
    std::fill(out, out + o.length, static_cast<int32_t>(off));
    for (size_t i = 0; i < n; i++)
      if (idx[i] >= 0 && idx[i] < depth) out[i * depth + idx[i]] = static_cast<int32_t>(on);
  } else {
    throw Napi::TypeError::New(info.Env(), "oneHot: output must be Float32Array or Int32Array");
  }
  return info.Env().Undefined();
}

}  // namespace

void init_gather(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
  exports.Set("oneHot", Napi::Function::New(env, OneHot));
}

}  // namespace al
