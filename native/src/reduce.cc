// Reductions over one contiguous block of axes, viewed as [outer, R, inner]
// (the JS side transposes first when the axes are not contiguous, as tfjs'
// cpu backend does), and row-wise softmax. Sums accumulate in double like the
// cpu backend (whose accumulator is a JS number), so results agree with it
// to float rounding even for long rows with cancellation, e.g. a bias
// gradient summed over a batch of 5760.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common.h"
#include "fastmath.h"

namespace al {

namespace {

enum ReduceOp { R_SUM = 0, R_MEAN, R_MAX, R_MIN, R_COUNT };

AL_CLONES double sum_contig(const float* x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += x[i + j];
  double s = 0;
  for (; i < n; i++) s += x[i];
  return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// NaN-propagating max/min like tfjs' cpu kernels (`isNaN(v) || v > m`).
AL_CLONES float max_contig(const float* x, int64_t n) {
  float m[8];
  for (int j = 0; j < 8; j++) m[j] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      float v = x[i + j];
      m[j] = (v > m[j] || v != v) ? v : m[j];
    }
  float r = -std::numeric_limits<float>::infinity();
  for (; i < n; i++) r = (x[i] > r || x[i] != x[i]) ? x[i] : r;
  for (int j = 0; j < 8; j++) r = (m[j] > r || m[j] != m[j]) ? m[j] : r;
  return r;
}

AL_CLONES float min_contig(const float* x, int64_t n) {
  float m[8];
  for (int j = 0; j < 8; j++) m[j] = std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      float v = x[i + j];
      m[j] = (v < m[j] || v != v) ? v : m[j];
    }
  float r = std::numeric_limits<float>::infinity();
  for (; i < n; i++) r = (x[i] < r || x[i] != x[i]) ? x[i] : r;
  for (int j = 0; j < 8; j++) r = (m[j] < r || m[j] != m[j]) ? m[j] : r;
  return r;
}

AL_CLONES void acc_rows_d(double* __restrict acc, const float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; i++) acc[i] += x[i];
}
AL_CLONES void max_rows(float* __restrict m, const float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; i++) m[i] = (x[i] > m[i] || x[i] != x[i]) ? x[i] : m[i];
}
AL_CLONES void min_rows(float* __restrict m, const float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; i++) m[i] = (x[i] < m[i] || x[i] != x[i]) ? x[i] : m[i];
}

/** reduce(op, x, out, outer, R, inner): out[o, i] = op over r of x[o, r, i]. */
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  int64_t op = int_arg(info, 0);
  if (op < 0 || op >= R_COUNT) throw Napi::RangeError::New(info.Env(), "reduce: unknown op");
  size_t nx, no;
  const float* x = f32(info, 1, &nx);
  float* out = f32(info, 2, &no);
  int64_t outer = int_arg(info, 3), R = int_arg(info, 4), inner = int_arg(info, 5);
  if (outer * R * inner != static_cast<int64_t>(nx) || outer * inner != static_cast<int64_t>(no))
    throw Napi::RangeError::New(info.Env(), "reduce: shape does not match buffers");
  if (no == 0) return info.Env().Undefined();
  if (R == 0) {
    float v = op == R_MAX ? -std::numeric_limits<float>::infinity()
              : op == R_MIN ? std::numeric_limits<float>::infinity()
              : op == R_MEAN ? std::numeric_limits<float>::quiet_NaN()
                             : 0.0f;
    std::fill(out, out + no, v);
    return info.Env().Undefined();
  }
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, 32768 / R), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const float* row = x + o * R;
        switch (op) {
          case R_SUM: out[o] = static_cast<float>(sum_contig(row, R)); break;
          case R_MEAN: out[o] = static_cast<float>(sum_contig(row, R) / R); break;
          case R_MAX: out[o] = max_contig(row, R); break;
          default: out[o] = min_contig(row, R); break;
        }
      }
    });
    return info.Env().Undefined();
  }
  // inner > 1: sweep the R rows of each outer slab, vectorised along inner.
  // Parallel over outer slabs, or over column blocks of inner when outer is 1.
  const int64_t colBlock = outer >= num_threads() ? inner : std::max<int64_t>(256, (inner + num_threads() - 1) / num_threads());
  const int64_t nBlocks = (inner + colBlock - 1) / colBlock;
  parallel_for(outer * nBlocks, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, R * std::min(colBlock, inner))),
               [&](int64_t t0, int64_t t1) {
                 std::vector<double> acc;
                 for (int64_t t = t0; t < t1; t++) {
                   const int64_t o = t / nBlocks, c0 = (t % nBlocks) * colBlock, c1 = std::min(inner, c0 + colBlock);
                   const int64_t w = c1 - c0;
                   const float* slab = x + o * R * inner + c0;
                   float* dst = out + o * inner + c0;
                   if (op == R_SUM || op == R_MEAN) {
                     acc.assign(w, 0.0);
                     for (int64_t r = 0; r < R; r++) acc_rows_d(acc.data(), slab + r * inner, w);
                     for (int64_t i = 0; i < w; i++)
                       dst[i] = static_cast<float>(op == R_MEAN ? acc[i] / R : acc[i]);
                   } else {
                     std::memcpy(dst, slab, w * sizeof(float));
                     for (int64_t r = 1; r < R; r++) {
                       if (op == R_MAX)
                         max_rows(dst, slab + r * inner, w);
                       else
                         min_rows(dst, slab + r * inner, w);
                     }
                   }
                 }
               });
  return info.Env().Undefined();
}

AL_CLONES void exp_shift(const float* __restrict x, float* __restrict o, int64_t n, float shift) {
  for (int64_t i = 0; i < n; i++) o[i] = fast_exp(x[i] - shift);
}
AL_CLONES void scale_div(float* o, int64_t n, float d) {
  for (int64_t i = 0; i < n; i++) o[i] = o[i] / d;
}

/** softmax(x, out, rows, cols): row-wise max-shifted softmax, as tfjs' cpu Softmax (dim -1). */
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  size_t nx, no;
  const float* x = f32(info, 0, &nx);
  float* out = f32(info, 1, &no);
  int64_t rows = int_arg(info, 2), cols = int_arg(info, 3);
  if (rows * cols != static_cast<int64_t>(nx) || nx != no)
    throw Napi::RangeError::New(info.Env(), "softmax: shape does not match buffers");
  if (cols == 0) return info.Env().Undefined();
  parallel_for(rows, std::max<int64_t>(1, 16384 / cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* orow = out + r * cols;
      float m = max_contig(xr, cols);
      exp_shift(xr, orow, cols, m);
      float s = static_cast<float>(sum_contig(orow, cols));
      scale_div(orow, cols, s);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void init_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
}

}  // namespace al
