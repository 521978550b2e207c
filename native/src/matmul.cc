// BatchMatMul and _FusedMatMul on cblas_sgemm. Row-major tfjs layouts map
// directly onto CblasRowMajor with the transpose flags, so no operand is ever
// copied or transposed in memory; broadcast batch dims arrive as index pairs.
#include "blas.h"

#include <algorithm>
#include <cstring>

#include "common.h"

namespace al {

namespace {

struct MatMulArgs {
  const float* a;
  const float* b;
  float* c;
  int64_t M, N, K;
  bool ta, tb;
  int64_t batch, aBatches, bBatches;
  const int32_t* pairs;  // 2*batch (aIndex, bIndex) when batch dims broadcast in both operands, else null
};

void run_matmul(const MatMulArgs& m, float beta) {
  const int64_t aSize = m.M * m.K, bSize = m.K * m.N, cSize = m.M * m.N;
  const int lda = m.ta ? m.M : m.K, ldb = m.tb ? m.K : m.N, ldc = m.N;
  const CBLAS_TRANSPOSE ta = m.ta ? CblasTrans : CblasNoTrans, tb = m.tb ? CblasTrans : CblasNoTrans;
  if (m.M == 0 || m.N == 0) return;
  if (m.K == 0) {
    if (beta == 0.0f) std::memset(m.c, 0, sizeof(float) * m.batch * cSize);
    return;
  }
  // [batch, M, K] x [K, N]: one tall sgemm instead of `batch` small ones.
  if (m.bBatches == 1 && m.aBatches == m.batch && !m.ta && m.pairs == nullptr) {
    blas::sgemm(CblasRowMajor, ta, tb, static_cast<int>(m.batch * m.M), m.N, m.K, 1.0f, m.a, lda, m.b, ldb, beta, m.c,
                ldc);
    return;
  }
  for (int64_t i = 0; i < m.batch; i++) {
    int64_t ai, bi;
    if (m.pairs) {
      ai = m.pairs[2 * i];
      bi = m.pairs[2 * i + 1];
    } else {
      ai = m.aBatches == 1 ? 0 : i;
      bi = m.bBatches == 1 ? 0 : i;
    }
    blas::sgemm(CblasRowMajor, ta, tb, m.M, m.N, m.K, 1.0f, m.a + ai * aSize, lda, m.b + bi * bSize, ldb, beta,
                m.c + i * cSize, ldc);
  }
}

MatMulArgs parse(const Napi::CallbackInfo& info) {
  // (a, b, out, M, N, K, transA, transB, batch, aBatches, bBatches, pairs|null)
  MatMulArgs m{};
  size_t na, nb, nc;
  m.a = f32(info, 0, &na);
  m.b = f32(info, 1, &nb);
  m.c = f32(info, 2, &nc);
  m.M = int_arg(info, 3);
  m.N = int_arg(info, 4);
  m.K = int_arg(info, 5);
  m.ta = info[6].ToBoolean();
  m.tb = info[7].ToBoolean();
  m.batch = int_arg(info, 8);
  m.aBatches = int_arg(info, 9);
  m.bBatches = int_arg(info, 10);
  m.pairs = nullptr;
  if (!info[11].IsNull() && !info[11].IsUndefined()) {
    size_t np;
    m.pairs = i32(info, 11, &np);
    if (static_cast<int64_t>(np) < 2 * m.batch) throw Napi::RangeError::New(info.Env(), "matmul: pairs too short");
    for (int64_t i = 0; i < m.batch; i++) {
      if (m.pairs[2 * i] < 0 || m.pairs[2 * i] >= m.aBatches || m.pairs[2 * i + 1] < 0 ||
          m.pairs[2 * i + 1] >= m.bBatches)
        throw Napi::RangeError::New(info.Env(), "matmul: batch index out of range");
    }
  }
  if (static_cast<int64_t>(na) < m.aBatches * m.M * m.K || static_cast<int64_t>(nb) < m.bBatches * m.K * m.N ||
      static_cast<int64_t>(nc) < m.batch * m.M * m.N)
    throw Napi::RangeError::New(info.Env(), "matmul: buffer smaller than its shape");
  return m;
}

/** matmul(a, b, out, M, N, K, transA, transB, batch, aBatches, bBatches, pairs|null) */
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  MatMulArgs m = parse(info);
  run_matmul(m, 0.0f);
  return info.Env().Undefined();
}

/**
 * fusedMatMul(... same 12 ..., bias|null, activation, alpha): out = act(a·b + bias)
 * with bias of length N (one per column) or 1. The bias is written into the
 * output first and sgemm accumulates onto it (beta = 1), so bias costs no
 * extra pass; the activation is one more pass in place.
 */
Napi::Value FusedMatMul(const Napi::CallbackInfo& info) {
  MatMulArgs m = parse(info);
  const int64_t rows = m.batch * m.M;
  float beta = 0.0f;
  if (!info[12].IsNull() && !info[12].IsUndefined()) {
    size_t nbias;
    const float* bias = f32(info, 12, &nbias);
    if (nbias != 1 && static_cast<int64_t>(nbias) != m.N)
      throw Napi::RangeError::New(info.Env(), "fusedMatMul: bias must have N or 1 elements");
    const int64_t N = m.N;
    float* c = m.c;
    if (nbias == 1) {
      std::fill(c, c + rows * N, bias[0]);
    } else {
      parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) std::memcpy(c + r * N, bias, sizeof(float) * N);
      });
    }
    beta = 1.0f;
  }
  int act = static_cast<int>(int_arg(info, 13));
  float alpha = static_cast<float>(num_arg(info, 14));
  if (act < ACT_LINEAR || act > ACT_ELU) throw Napi::RangeError::New(info.Env(), "fusedMatMul: unknown activation");
  run_matmul(m, beta);
  activation_inplace(m.c, rows * m.N, act, alpha);
  return info.Env().Undefined();
}

}  // namespace

void init_matmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("fusedMatMul", Napi::Function::New(env, FusedMatMul));
}

}  // namespace al
