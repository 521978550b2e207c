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

}  // namespace al
