// MaxPool and MaxPoolGrad (NHWC). The gradient recomputes each window's
// arg-max (first strictly greater value in row-major window order, as tfjs'
// cpu maxPoolPositions does, so ties resolve identically) and scatters dy
// there. Loops run over channels innermost, so they vectorise for C >= 8.
#include <algorithm>
#include <limits>

#include "common.h"

namespace al {

namespace {

struct PoolGeo {
  int64_t B, H, W, C, OH, OW, FH, FW, sH, sW, dH, dW, padT, padL;
};

PoolGeo parse(const Napi::CallbackInfo& info, size_t first) {
  PoolGeo g{};
  int64_t* f[] = {&g.B, &g.H, &g.W, &g.C, &g.OH, &g.OW, &g.FH, &g.FW, &g.sH, &g.sW, &g.dH, &g.dW, &g.padT, &g.padL};
  for (size_t i = 0; i < 14; i++) *f[i] = int_arg(info, first + i);
  if (g.sH < 1 || g.sW < 1 || g.dH < 1 || g.dW < 1 || g.FH < 1 || g.FW < 1)
    throw Napi::RangeError::New(info.Env(), "maxPool: bad geometry");
  return g;
}

// Window rows/cols start at the first in-bounds tap (tfjs steps from the
// clamped start by the dilation; with dilation 1, the only case MaxPool has,
// the two agree).
inline int64_t first_tap(int64_t corner, int64_t dil) {
  int64_t v = corner;
  while (v < 0) v += dil;
  return v;
}

AL_CLONES void max_into(float* __restrict m, const float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; i++) m[i] = x[i] > m[i] ? x[i] : m[i];
}

/** maxPool(x, out, B, H, W, C, OH, OW, FH, FW, sH, sW, dH, dW, padT, padL) */
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  size_t nx, no;
  const float* x = f32(info, 0, &nx);
  float* out = f32(info, 1, &no);
  PoolGeo g = parse(info, 2);
  if (static_cast<int64_t>(nx) != g.B * g.H * g.W * g.C || static_cast<int64_t>(no) != g.B * g.OH * g.OW * g.C)
    throw Napi::RangeError::New(info.Env(), "maxPool: shapes do not match buffers");
  const int64_t effH = (g.FH - 1) * g.dH + 1, effW = (g.FW - 1) * g.dW + 1;
  parallel_for(g.B * g.OH, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.OW * g.C * g.FH * g.FW)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; r++) {
                   const int64_t b = r / g.OH, oh = r % g.OH;
                   const int64_t rc = oh * g.sH - g.padT;
                   const int64_t hMin = first_tap(rc, g.dH), hMax = std::min(g.H, rc + effH);
                   const float* img = x + b * g.H * g.W * g.C;
                   for (int64_t ow = 0; ow < g.OW; ow++) {
                     float* o = out + ((b * g.OH + oh) * g.OW + ow) * g.C;
                     std::fill(o, o + g.C, -std::numeric_limits<float>::infinity());
                     const int64_t cc = ow * g.sW - g.padL;
                     const int64_t wMin = first_tap(cc, g.dW), wMax = std::min(g.W, cc + effW);
                     for (int64_t ih = hMin; ih < hMax; ih += g.dH)
                       for (int64_t iw = wMin; iw < wMax; iw += g.dW) max_into(o, img + (ih * g.W + iw) * g.C, g.C);
                   }
                 }
               });
  return info.Env().Undefined();
}

/** maxPoolGrad(dy, x, dx, ...same geometry) */
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  size_t ndy, nx, ndx;
  const float* dy = f32(info, 0, &ndy);
  const float* x = f32(info, 1, &nx);
  float* dx = f32(info, 2, &ndx);
  PoolGeo g = parse(info, 3);
  if (static_cast<int64_t>(nx) != g.B * g.H * g.W * g.C || ndx != nx ||
      static_cast<int64_t>(ndy) != g.B * g.OH * g.OW * g.C)
    throw Napi::RangeError::New(info.Env(), "maxPoolGrad: shapes do not match buffers");
  std::fill(dx, dx + ndx, 0.0f);
  const int64_t effH = (g.FH - 1) * g.dH + 1, effW = (g.FW - 1) * g.dW + 1;
  parallel_for(g.B, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> best(g.C);
    std::vector<int64_t> pos(g.C);
    for (int64_t b = b0; b < b1; b++) {
      const float* img = x + b * g.H * g.W * g.C;
      float* dimg = dx + b * g.H * g.W * g.C;
      for (int64_t oh = 0; oh < g.OH; oh++) {
        const int64_t rc = oh * g.sH - g.padT;
        const int64_t hMin = first_tap(rc, g.dH), hMax = std::min(g.H, rc + effH);
        for (int64_t ow = 0; ow < g.OW; ow++) {
          const int64_t cc = ow * g.sW - g.padL;
          const int64_t wMin = first_tap(cc, g.dW), wMax = std::min(g.W, cc + effW);
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(pos.begin(), pos.end(), -1);
          for (int64_t ih = hMin; ih < hMax; ih += g.dH)
            for (int64_t iw = wMin; iw < wMax; iw += g.dW) {
              const int64_t p = (ih * g.W + iw) * g.C;
              const float* px = img + p;
              for (int64_t c = 0; c < g.C; c++)
                if (px[c] > best[c]) {
                  best[c] = px[c];
                  pos[c] = p + c;
                }
            }
          const float* d = dy + ((b * g.OH + oh) * g.OW + ow) * g.C;
          for (int64_t c = 0; c < g.C; c++)
            if (pos[c] >= 0) dimg[pos[c]] += d[c];
        }
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void init_maxpool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
}

}  // namespace al
