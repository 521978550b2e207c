// Elementwise kernels: unary ops, binary ops with numpy broadcasting, AddN,
// and the activations fused into matmul/conv. These are memory-bound, so the
// point is one pass, no index arithmetic per element (broadcast shapes are
// collapsed to at most a few strided dims with a contiguous inner loop), AVX2
// where the CPU has it, and both threads on large tensors. The optimiser's
// updates (Adam: ~14 such ops per variable per step) are all tensor∘scalar,
// which takes the vector-scalar path.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common.h"
#include "fastmath.h"

namespace al {

namespace {

constexpr int64_t GRAIN = 1 << 15;  // elements per chunk worth a thread hop
constexpr float QNAN = std::numeric_limits<float>::quiet_NaN();

// ---------------------------------------------------------------- unary
enum UnaryOp {
  U_NEG = 0,
  U_ABS,
  U_EXP,
  U_LOG,
  U_SQRT,
  U_RSQRT,
  U_SQUARE,
  U_RELU,
  U_RELU6,
  U_STEP,
  U_SIGMOID,
  U_TANH,
  U_LEAKYRELU,
  U_ELU,
  U_RECIPROCAL,
  U_COUNT
};

using UnaryFn = void (*)(const float*, float*, int64_t, float);

#define DEF_UNARY(NAME, EXPR)                                                     \
  AL_CLONES void NAME(const float* a, float* o, int64_t n, float alpha) {        \
    (void)alpha;                                                                  \
    for (int64_t i = 0; i < n; i++) {                                             \
      float x = a[i];                                                             \
      o[i] = (EXPR);                                                              \
    }                                                                             \
  }

DEF_UNARY(u_neg, -x)
DEF_UNARY(u_abs, std::fabs(x))
DEF_UNARY(u_exp, fast_exp(x))
DEF_UNARY(u_log, std::log(x))
DEF_UNARY(u_sqrt, std::sqrt(x))
DEF_UNARY(u_rsqrt, 1.0f / std::sqrt(x))
DEF_UNARY(u_square, x* x)
DEF_UNARY(u_relu, x < 0.0f ? 0.0f : x)
DEF_UNARY(u_relu6, x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x))
DEF_UNARY(u_step, x != x ? QNAN : (x > 0.0f ? 1.0f : alpha))
DEF_UNARY(u_sigmoid, static_cast<float>(1.0 / (1.0 + fast_exp_d(-static_cast<double>(x)))))
DEF_UNARY(u_tanh, std::tanh(x))
DEF_UNARY(u_leakyrelu, x < 0.0f ? alpha * x : x)
DEF_UNARY(u_elu, x >= 0.0f ? x : std::expm1(x))
DEF_UNARY(u_reciprocal, 1.0f / x)

const UnaryFn UNARY[U_COUNT] = {u_neg,  u_abs,     u_exp,     u_log,       u_sqrt,
                                u_rsqrt, u_square, u_relu,    u_relu6,     u_step,
                                u_sigmoid, u_tanh, u_leakyrelu, u_elu,     u_reciprocal};

void run_unary(int op, const float* a, float* o, int64_t n, float alpha) {
  UnaryFn fn = UNARY[op];
  parallel_for(n, GRAIN, [&](int64_t b, int64_t e) { fn(a + b, o + b, e - b, alpha); });
}

/** unary(op, x, out, alpha) */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  int64_t op = int_arg(info, 0);
  if (op < 0 || op >= U_COUNT) throw Napi::RangeError::New(info.Env(), "unary: unknown op");
  size_t n, no;
  const float* a = f32(info, 1, &n);
  float* o = f32(info, 2, &no);
  if (no < n) throw Napi::RangeError::New(info.Env(), "unary: output too small");
  run_unary(static_cast<int>(op), a, o, static_cast<int64_t>(n), static_cast<float>(num_arg(info, 3)));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- binary
enum BinaryOp { B_ADD = 0, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_SQDIFF, B_COUNT };

using BinaryFn = void (*)(const float*, const float*, float*, int64_t);

// Three variants per op: vector∘vector, vector∘scalar, scalar∘vector.
#define DEF_BINARY(NAME, EXPR)                                                                            \
  AL_CLONES void NAME##_vv(const float* __restrict a, const float* __restrict b, float* __restrict o,   \
                           int64_t n) {                                                                 \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      float x = a[i], y = b[i];                                                                         \
      o[i] = (EXPR);                                                                                    \
    }                                                                                                   \
  }                                                                                                     \
  AL_CLONES void NAME##_vs(const float* __restrict a, const float* __restrict b, float* __restrict o,   \
                           int64_t n) {                                                                 \
    const float y = b[0];                                                                               \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      float x = a[i];                                                                                   \
      o[i] = (EXPR);                                                                                    \
    }                                                                                                   \
  }                                                                                                     \
  AL_CLONES void NAME##_sv(const float* __restrict a, const float* __restrict b, float* __restrict o,   \
                           int64_t n) {                                                                 \
    const float x = a[0];                                                                               \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      float y = b[i];                                                                                   \
      o[i] = (EXPR);                                                                                    \
    }                                                                                                   \
  }

DEF_BINARY(b_add, x + y)
DEF_BINARY(b_sub, x - y)
DEF_BINARY(b_mul, x* y)
DEF_BINARY(b_div, x / y)
// Math.max/Math.min semantics: NaN if either operand is NaN.
DEF_BINARY(b_max, (x > y || x != x) ? x : y)
DEF_BINARY(b_min, (x < y || x != x) ? x : y)
DEF_BINARY(b_sqdiff, (x - y) * (x - y))

#define ROW(NAME) {NAME##_vv, NAME##_vs, NAME##_sv}
const BinaryFn BINARY[B_COUNT][3] = {ROW(b_add), ROW(b_sub), ROW(b_mul), ROW(b_div),
                                     ROW(b_max), ROW(b_min), ROW(b_sqdiff)};

struct Dim {
  int64_t len, sa, sb;
};

/**
 * out = a op b with broadcasting. Shapes are right-aligned; dims where out is
 * 1 are dropped, neighbours with the same broadcast pattern are merged, so
 * e.g. [5760,128] + [128] becomes 5760 rows of a contiguous vector∘vector loop.
 */
void run_binary(int op, const float* a, std::vector<int64_t> sa, const float* b, std::vector<int64_t> sb, float* o,
                const std::vector<int64_t>& so) {
  const size_t R = so.size();
  sa.insert(sa.begin(), R - sa.size(), 1);
  sb.insert(sb.begin(), R - sb.size(), 1);
  struct Raw {
    int64_t len;
    bool ba, bb;
  };
  std::vector<Raw> raw;
  for (size_t d = 0; d < R; d++) {
    if (so[d] == 1) continue;
    bool ba = sa[d] == 1, bb = sb[d] == 1;
    if (!raw.empty() && raw.back().ba == ba && raw.back().bb == bb)
      raw.back().len *= so[d];
    else
      raw.push_back({so[d], ba, bb});
  }
  const BinaryFn* fns = BINARY[op];
  if (raw.empty()) {  // every dim is 1
    fns[0](a, b, o, 1);
    return;
  }
  const int64_t K = static_cast<int64_t>(raw.size());
  std::vector<Dim> dims(K);
  int64_t accA = 1, accB = 1;
  for (int64_t k = K - 1; k >= 0; k--) {
    dims[k].len = raw[k].len;
    dims[k].sa = raw[k].ba ? 0 : accA;
    dims[k].sb = raw[k].bb ? 0 : accB;
    if (!raw[k].ba) accA *= raw[k].len;
    if (!raw[k].bb) accB *= raw[k].len;
  }
  const Dim inner = dims[K - 1];
  const int variant = inner.sa == 0 ? 2 : (inner.sb == 0 ? 1 : 0);
  const BinaryFn fn = fns[variant];
  const int64_t L = inner.len;
  if (K == 1) {
    parallel_for(L, GRAIN, [&](int64_t s, int64_t e) {
      fn(a + (inner.sa ? s : 0), b + (inner.sb ? s : 0), o + s, e - s);
    });
    return;
  }
  int64_t rows = 1;
  for (int64_t k = 0; k < K - 1; k++) rows *= dims[k].len;
  parallel_for(rows, std::max<int64_t>(1, GRAIN / L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rem = r, offA = 0, offB = 0;
      for (int64_t k = K - 2; k >= 0; k--) {
        int64_t idx = rem % dims[k].len;
        rem /= dims[k].len;
        offA += idx * dims[k].sa;
        offB += idx * dims[k].sb;
      }
      fn(a + offA, b + offB, o + r * L, L);
    }
  });
}

/** binary(op, a, aShape, b, bShape, out, outShape) */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  int64_t op = int_arg(info, 0);
  if (op < 0 || op >= B_COUNT) throw Napi::RangeError::New(info.Env(), "binary: unknown op");
  size_t na, nb, no;
  const float* a = f32(info, 1, &na);
  std::vector<int64_t> sa = shape_arg(info, 2);
  const float* b = f32(info, 3, &nb);
  std::vector<int64_t> sb = shape_arg(info, 4);
  float* o = f32(info, 5, &no);
  std::vector<int64_t> so = shape_arg(info, 6);
  if (sa.size() > so.size() || sb.size() > so.size() || static_cast<int64_t>(na) != prod(sa) ||
      static_cast<int64_t>(nb) != prod(sb) || static_cast<int64_t>(no) != prod(so))
    throw Napi::RangeError::New(info.Env(), "binary: shapes do not match buffers");
  for (size_t i = 0; i < so.size(); i++) {
    int64_t da = i + sa.size() >= so.size() ? sa[i + sa.size() - so.size()] : 1;
    int64_t db = i + sb.size() >= so.size() ? sb[i + sb.size() - so.size()] : 1;
    if ((da != 1 && da != so[i]) || (db != 1 && db != so[i]))
      throw Napi::RangeError::New(info.Env(), "binary: shapes do not broadcast");
  }
  if (no == 0) return info.Env().Undefined();
  run_binary(static_cast<int>(op), a, sa, b, sb, o, so);
  return info.Env().Undefined();
}

AL_CLONES void acc_add(float* __restrict o, const float* __restrict a, int64_t n) {
  for (int64_t i = 0; i < n; i++) o[i] += a[i];
}

/** addN([t0, t1, ...], out): out = t0 + t1 + ... in that order (as tfjs' cpu AddN). */
Napi::Value AddN(const Napi::CallbackInfo& info) {
  std::vector<Buf> bufs = buf_list(info, 0);
  size_t no;
  float* o = f32(info, 1, &no);
  std::vector<const float*> ins;
  for (const Buf& b : bufs) {
    if (b.type != napi_float32_array || b.length != no)
      throw Napi::TypeError::New(info.Env(), "addN: inputs must be Float32Arrays of the output's length");
    ins.push_back(static_cast<const float*>(b.data));
  }
  if (ins.empty()) {
    std::memset(o, 0, no * sizeof(float));
    return info.Env().Undefined();
  }
  parallel_for(static_cast<int64_t>(no), GRAIN, [&](int64_t s, int64_t e) {
    std::memcpy(o + s, ins[0] + s, (e - s) * sizeof(float));
    for (size_t k = 1; k < ins.size(); k++) acc_add(o + s, ins[k] + s, e - s);
  });
  return info.Env().Undefined();
}

AL_CLONES void adamw_loop(const float* __restrict p, const float* __restrict g, const float* __restrict m,
                          const float* __restrict v, float* __restrict po, float* __restrict mo, float* __restrict vo,
                          int64_t n, float b1, float c1, float b2, float c2, float sbc2, float eps, float step,
                          float decay, bool decays) {
  for (int64_t i = 0; i < n; i++) {
    // Same operations in the same order as the op chain in src/train/adamw.ts,
    // each rounded to float32, so results are bit-identical to it.
    const float gi = g[i];
    const float mn = m[i] * b1 + gi * c1;
    const float vn = v[i] * b2 + (gi * gi) * c2;
    const float denom = std::sqrt(vn) / sbc2 + eps;
    const float update = (mn / denom) * step;
    const float pd = decays ? p[i] * decay : p[i];
    po[i] = pd - update;
    mo[i] = mn;
    vo[i] = vn;
  }
}

/**
 * adamw(p, g, m, v, pOut, mOut, vOut, beta1, 1-beta1, beta2, 1-beta2, sqrt(bc2), eps, lr/bc1, 1-lr*wd):
 * one AdamW step for one variable in one pass (the op chain is ~14 kernels,
 * each a full pass with a fresh output). decay == 1 means no weight decay.
 */
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  size_t n, ng, nm, nv, npo, nmo, nvo;
  const float* p = f32(info, 0, &n);
  const float* g = f32(info, 1, &ng);
  const float* m = f32(info, 2, &nm);
  const float* v = f32(info, 3, &nv);
  float* po = f32(info, 4, &npo);
  float* mo = f32(info, 5, &nmo);
  float* vo = f32(info, 6, &nvo);
  if (ng != n || nm != n || nv != n || npo != n || nmo != n || nvo != n)
    throw Napi::RangeError::New(info.Env(), "adamw: all arrays must have the same length");
  float h[8];
  for (int i = 0; i < 8; i++) h[i] = static_cast<float>(num_arg(info, 7 + i));
  const bool decays = h[7] != 1.0f;
  parallel_for(static_cast<int64_t>(n), GRAIN / 4, [&](int64_t s, int64_t e) {
    adamw_loop(p + s, g + s, m + s, v + s, po + s, mo + s, vo + s, e - s, h[0], h[1], h[2], h[3], h[4], h[5], h[6],
               h[7], decays);
  });
  return info.Env().Undefined();
}

}  // namespace

bool activation_inplace(float* x, int64_t n, int act, float alpha) {
  switch (act) {
    case ACT_LINEAR: return true;
    case ACT_RELU: run_unary(U_RELU, x, x, n, alpha); return true;
    case ACT_RELU6: run_unary(U_RELU6, x, x, n, alpha); return true;
    case ACT_LEAKYRELU: run_unary(U_LEAKYRELU, x, x, n, alpha); return true;
    case ACT_SIGMOID: run_unary(U_SIGMOID, x, x, n, alpha); return true;
    case ACT_ELU: run_unary(U_ELU, x, x, n, alpha); return true;
    default: return false;
  }
}

void init_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("addN", Napi::Function::New(env, AddN));
  exports.Set("adamw", Napi::Function::New(env, AdamW));
}

}  // namespace al
