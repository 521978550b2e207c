// Branch-free expf that GCC vectorises (Cephes polynomial, ~1 ulp on the
// normal range, subnormal results via a two-step scale). glibc's expf is
// scalar; softmax cross-entropy over [5760, 120] logits calls exp three
// times per step, which made it a visible cost.
#pragma once

#include <cstdint>
#include <cstring>

namespace al {

static inline float pow2i(int32_t n) {
  int32_t bits = (n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

static inline float fast_exp(float x) {
  // NaN survives the clamp (comparisons with NaN are false).
  float xc = x > 88.8f ? 88.8f : x;
  xc = xc < -104.0f ? -104.0f : xc;
  // Round to nearest by the 1.5 * 2^23 trick (no floorf call, so the loop
  // vectorises); exact for |xc * log2 e| < 2^22, which the clamp guarantees.
  float fx = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - fx * 0.693359375f + fx * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  float y = p * r2 + r + 1.0f;
  int32_t n = static_cast<int32_t>(fx);
  int32_t n1 = n >> 1;
  int32_t n2 = n - n1;
  return y * pow2i(n1) * pow2i(n2);
}

/**
 * exp in double, branch-free so it vectorises (4 lanes with AVX2): range
 * reduction by ln 2 (split hi/lo) and a degree-9 Taylor polynomial on
 * |r| <= ln2/2 (truncation error < 3e-11 relative). Used where the float
 * result must round like tfjs' cpu kernels, which compute in double:
 * sigmoid saturates towards 1, where 1 - sigmoid(x) (its gradient) turns one
 * float ulp of difference into a large relative one.
 */
static inline double fast_exp_d(double x) {
  // Clamped to the range with a normal double result: beyond it the float
  // result is 0 or infinity either way. NaN survives the clamp.
  double xc = x > 709.0 ? 709.0 : x;
  xc = xc < -708.0 ? -708.0 : xc;
  // Round to nearest by adding 1.5 * 2^52: n sits in the low bits of `shifted`
  // (read as integer bits, which AVX2 can do on 4 lanes; double -> int64
  // conversion it cannot).
  const double magic = 6755399441055744.0;
  double shifted = xc * 1.4426950408889634 + magic;
  double fn = shifted - magic;
  double r = (xc - fn * 0.6931471803691238) - fn * 1.9082149292705877e-10;
  double p = 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t sb, mb;
  std::memcpy(&sb, &shifted, sizeof sb);
  std::memcpy(&mb, &magic, sizeof mb);
  int64_t bits = ((sb - mb) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace al
