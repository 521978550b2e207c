// 2-D convolution (NHWC, filter [FH, FW, Cin, Cout]) as im2col + sgemm, and
// its two gradients. The patch matrix is built for a block of output pixels
// at a time (at most ~4 MB of scratch), so memory stays bounded for any batch.
//   forward:      out[rows, Cout]  = col[rows, K] · W[K, Cout]       (K = FH·FW·Cin)
//   input grad:   dcol[rows, K]    = dy[rows, Cout] · Wᵀ, then col2im (scatter-add)
//   filter grad:  dW[K, Cout]     += colᵀ · dy[rows, Cout]   over blocks
// 1x1 filters with stride 1 and no padding skip im2col: x already is col.
#include "blas.h"

#include <algorithm>
#include <cstring>

#include "common.h"

namespace al {

namespace {

struct Geo {
  int64_t B, H, W, Cin, FH, FW, Cout, OH, OW, sH, sW, dH, dW, padT, padL;
  int64_t K() const { return FH * FW * Cin; }
  int64_t rows() const { return B * OH * OW; }
  bool pointwise() const { return FH == 1 && FW == 1 && sH == 1 && sW == 1 && padT == 0 && padL == 0 && OH == H && OW == W; }
};

Geo parse_geo(const Napi::CallbackInfo& info, size_t first) {
  Geo g{};
  int64_t* f[] = {&g.B, &g.H, &g.W, &g.Cin, &g.FH, &g.FW, &g.Cout, &g.OH, &g.OW, &g.sH, &g.sW, &g.dH, &g.dW, &g.padT, &g.padL};
  for (size_t i = 0; i < 15; i++) *f[i] = int_arg(info, first + i);
  if (g.B < 0 || g.H < 0 || g.W < 0 || g.Cin < 0 || g.FH < 1 || g.FW < 1 || g.Cout < 0 || g.OH < 0 || g.OW < 0 ||
      g.sH < 1 || g.sW < 1 || g.dH < 1 || g.dW < 1)
    throw Napi::RangeError::New(info.Env(), "conv2d: bad geometry");
  return g;
}

/** Block of output rows per im2col pass: ~1M floats of scratch, whole images when they fit. */
int64_t block_rows(const Geo& g) {
  const int64_t per = std::max<int64_t>(1, (1 << 20) / std::max<int64_t>(1, g.K()));
  const int64_t img = g.OH * g.OW;
  if (img > 0 && per >= img) return (per / img) * img;
  return std::max<int64_t>(1, per);
}

std::vector<float>& scratch(size_t n) {
  thread_local std::vector<float> s;
  if (s.size() < n) s.resize(n);
  return s;
}

void im2col(const Geo& g, const float* x, float* col, int64_t r0, int64_t r1) {
  const int64_t K = g.K(), C = g.Cin;
  parallel_for(r1 - r0, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, K)), [&](int64_t a, int64_t b) {
    for (int64_t r = r0 + a; r < r0 + b; r++) {
      const int64_t bi = r / (g.OH * g.OW), rem = r % (g.OH * g.OW), oh = rem / g.OW, ow = rem % g.OW;
      float* dst = col + (r - r0) * K;
      const float* img = x + bi * g.H * g.W * C;
      for (int64_t fh = 0; fh < g.FH; fh++) {
        const int64_t ih = oh * g.sH - g.padT + fh * g.dH;
        for (int64_t fw = 0; fw < g.FW; fw++) {
          const int64_t iw = ow * g.sW - g.padL + fw * g.dW;
          float* d = dst + (fh * g.FW + fw) * C;
          if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W)
            std::memset(d, 0, C * sizeof(float));
          else
            std::memcpy(d, img + (ih * g.W + iw) * C, C * sizeof(float));
        }
      }
    }
  });
}

AL_CLONES void add_to(float* __restrict dst, const float* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

/** Scatter-adds patch rows r0..r1 into dx. Parallel over images (disjoint writes). */
void col2im(const Geo& g, const float* col, float* dx, int64_t r0, int64_t r1) {
  const int64_t K = g.K(), C = g.Cin, img = g.OH * g.OW;
  const int64_t b0 = r0 / img, b1 = (r1 + img - 1) / img;
  auto one = [&](int64_t bi, int64_t ra, int64_t rb) {
    float* dimg = dx + bi * g.H * g.W * C;
    for (int64_t r = ra; r < rb; r++) {
      const int64_t rem = r % img, oh = rem / g.OW, ow = rem % g.OW;
      const float* src = col + (r - r0) * K;
      for (int64_t fh = 0; fh < g.FH; fh++) {
        const int64_t ih = oh * g.sH - g.padT + fh * g.dH;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t fw = 0; fw < g.FW; fw++) {
          const int64_t iw = ow * g.sW - g.padL + fw * g.dW;
          if (iw < 0 || iw >= g.W) continue;
          add_to(dimg + (ih * g.W + iw) * C, src + (fh * g.FW + fw) * C, C);
        }
      }
    }
  };
  parallel_for(b1 - b0, 1, [&](int64_t a, int64_t b) {
    for (int64_t bi = b0 + a; bi < b0 + b; bi++) one(bi, std::max(r0, bi * img), std::min(r1, (bi + 1) * img));
  });
}

/** conv2d(x, filter, out, ...geometry, bias|null, activation, alpha) */
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  size_t nx, nf, no;
  const float* x = f32(info, 0, &nx);
  const float* w = f32(info, 1, &nf);
  float* out = f32(info, 2, &no);
  Geo g = parse_geo(info, 3);
  const int64_t K = g.K(), rows = g.rows();
  if (static_cast<int64_t>(nx) != g.B * g.H * g.W * g.Cin || static_cast<int64_t>(nf) != K * g.Cout ||
      static_cast<int64_t>(no) != rows * g.Cout)
    throw Napi::RangeError::New(info.Env(), "conv2d: shapes do not match buffers");
  const float* bias = nullptr;
  if (info.Length() > 18 && !info[18].IsNull() && !info[18].IsUndefined()) {
    size_t nb;
    bias = f32(info, 18, &nb);
    if (static_cast<int64_t>(nb) != g.Cout) throw Napi::RangeError::New(info.Env(), "conv2d: bias must have Cout elements");
  }
  int act = info.Length() > 19 ? static_cast<int>(int_arg(info, 19)) : ACT_LINEAR;
  float alpha = info.Length() > 20 ? static_cast<float>(num_arg(info, 20)) : 0.0f;
  if (act < ACT_LINEAR || act > ACT_ELU) throw Napi::RangeError::New(info.Env(), "conv2d: unknown activation");
  if (no == 0) return info.Env().Undefined();
  const float beta = bias ? 1.0f : 0.0f;
  if (bias)
    for (int64_t r = 0; r < rows; r++) std::memcpy(out + r * g.Cout, bias, g.Cout * sizeof(float));
  if (K == 0) {
    if (!bias) std::memset(out, 0, no * sizeof(float));
  } else if (g.pointwise()) {
    blas::sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, g.Cout, K, 1.0f, x, K, w, g.Cout, beta, out, g.Cout);
  } else {
    const int64_t blk = block_rows(g);
    float* col = scratch(blk * K).data();
    for (int64_t r0 = 0; r0 < rows; r0 += blk) {
      const int64_t r1 = std::min(rows, r0 + blk);
      im2col(g, x, col, r0, r1);
      blas::sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, g.Cout, K, 1.0f, col, K, w, g.Cout, beta,
                  out + r0 * g.Cout, g.Cout);
    }
  }
  activation_inplace(out, no, act, alpha);
  return info.Env().Undefined();
}

/** conv2dBackpropInput(dy, filter, dx, ...geometry) */
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  size_t ndy, nf, ndx;
  const float* dy = f32(info, 0, &ndy);
  const float* w = f32(info, 1, &nf);
  float* dx = f32(info, 2, &ndx);
  Geo g = parse_geo(info, 3);
  const int64_t K = g.K(), rows = g.rows();
  if (static_cast<int64_t>(ndx) != g.B * g.H * g.W * g.Cin || static_cast<int64_t>(nf) != K * g.Cout ||
      static_cast<int64_t>(ndy) != rows * g.Cout)
    throw Napi::RangeError::New(info.Env(), "conv2dBackpropInput: shapes do not match buffers");
  if (g.pointwise() && g.Cout > 0) {
    blas::sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, K, g.Cout, 1.0f, dy, g.Cout, w, g.Cout, 0.0f, dx, K);
    return info.Env().Undefined();
  }
  std::memset(dx, 0, ndx * sizeof(float));
  if (rows == 0 || K == 0 || g.Cout == 0) return info.Env().Undefined();
  const int64_t blk = block_rows(g);
  float* col = scratch(blk * K).data();
  for (int64_t r0 = 0; r0 < rows; r0 += blk) {
    const int64_t r1 = std::min(rows, r0 + blk);
    blas::sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, K, g.Cout, 1.0f, dy + r0 * g.Cout, g.Cout, w, g.Cout,
                0.0f, col, K);
    col2im(g, col, dx, r0, r1);
  }
  return info.Env().Undefined();
}

/** conv2dBackpropFilter(x, dy, dw, ...geometry) */
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  size_t nx, ndy, ndw;
  const float* x = f32(info, 0, &nx);
  const float* dy = f32(info, 1, &ndy);
  float* dw = f32(info, 2, &ndw);
  Geo g = parse_geo(info, 3);
  const int64_t K = g.K(), rows = g.rows();
  if (static_cast<int64_t>(nx) != g.B * g.H * g.W * g.Cin || static_cast<int64_t>(ndw) != K * g.Cout ||
      static_cast<int64_t>(ndy) != rows * g.Cout)
    throw Napi::RangeError::New(info.Env(), "conv2dBackpropFilter: shapes do not match buffers");
  if (rows == 0 || K == 0 || g.Cout == 0) {
    std::memset(dw, 0, ndw * sizeof(float));
    return info.Env().Undefined();
  }
  if (g.pointwise()) {
    blas::sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, g.Cout, rows, 1.0f, x, K, dy, g.Cout, 0.0f, dw, g.Cout);
    return info.Env().Undefined();
  }
  const int64_t blk = block_rows(g);
  float* col = scratch(blk * K).data();
  for (int64_t r0 = 0; r0 < rows; r0 += blk) {
    const int64_t r1 = std::min(rows, r0 + blk);
    im2col(g, x, col, r0, r1);
    blas::sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, g.Cout, r1 - r0, 1.0f, col, K, dy + r0 * g.Cout, g.Cout,
                r0 == 0 ? 0.0f : 1.0f, dw, g.Cout);
  }
  return info.Env().Undefined();
}

}  // namespace

void init_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
}

}  // namespace al
