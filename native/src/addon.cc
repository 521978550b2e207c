// Module entry point: argument helpers, thread control, and the registration
// of every kernel family. ABI_VERSION lets the JS loader reject a stale build
// (an addon compiled from older sources that lacks a function it needs).
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "blas.h"
#include "common.h"

namespace al {

static constexpr int ABI_VERSION = 2;

static std::string type_name(napi_valuetype t) {
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_number: return "number";
    case napi_object: return "object";
    default: return "non-object";
  }
}

Buf buf_of(napi_env env, napi_value v, const std::string& what) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    napi_valuetype t;
    napi_typeof(env, v, &t);
    throw Napi::TypeError::New(env, what + " must be a TypedArray, got " + type_name(t));
  }
  Buf b{};
  napi_get_typedarray_info(env, v, &b.type, &b.length, &b.data, nullptr, nullptr);
  switch (b.type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: b.elem = 1; break;
    case napi_int16_array:
    case napi_uint16_array: b.elem = 2; break;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: b.elem = 4; break;
    default: b.elem = 8; break;
  }
  return b;
}

Buf buf(const Napi::CallbackInfo& info, size_t i) { return buf_of(info.Env(), info[i], "argument " + std::to_string(i)); }

std::vector<Buf> buf_list(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array");
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<Buf> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++)
    out.push_back(buf_of(info.Env(), arr.Get(k), "element " + std::to_string(k) + " of argument " + std::to_string(i)));
  return out;
}

float* f32(const Napi::CallbackInfo& info, size_t i, size_t* length) {
  Buf b = buf(info, i);
  if (b.type != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array");
  if (length) *length = b.length;
  return static_cast<float*>(b.data);
}

int32_t* i32(const Napi::CallbackInfo& info, size_t i, size_t* length) {
  Buf b = buf(info, i);
  if (b.type != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an Int32Array");
  if (length) *length = b.length;
  return static_cast<int32_t*>(b.data);
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i) {
  int64_t v = 0;
  if (napi_get_value_int64(info.Env(), info[i], &v) != napi_ok)
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return v;
}

double num_arg(const Napi::CallbackInfo& info, size_t i) {
  double v = 0;
  if (napi_get_value_double(info.Env(), info[i], &v) != napi_ok)
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return v;
}

std::vector<int64_t> shape_arg(const Napi::CallbackInfo& info, size_t i) {
  size_t n = 0;
  int32_t* p = i32(info, i, &n);
  return std::vector<int64_t>(p, p + n);
}

/** setNumThreads(n): OpenBLAS threads and our pool, process-wide. */
static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 0);
  if (n < 1) throw Napi::RangeError::New(info.Env(), "threads must be >= 1");
  blas::set_num_threads(static_cast<int>(n));
  set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), num_threads());
}

/** OpenBLAS build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64". */
static Napi::Value BlasConfig(const Napi::CallbackInfo& info) {
  std::string s = blas::get_config();
  s += " core=";
  s += blas::get_corename();
  if (!blas::chosen_coretype().empty()) s += " (OPENBLAS_CORETYPE set by antilearn)";
  return Napi::String::New(info.Env(), s);
}

/** sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): raw BLAS, for benchmarks. */
static Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  int M = int_arg(info, 2), N = int_arg(info, 3), K = int_arg(info, 4);
  float alpha = num_arg(info, 5);
  float* A = f32(info, 6);
  int lda = int_arg(info, 7);
  float* B = f32(info, 8);
  int ldb = int_arg(info, 9);
  float beta = num_arg(info, 10);
  float* C = f32(info, 11);
  int ldc = int_arg(info, 12);
  blas::sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
              ldb, beta, C, ldc);
  return info.Env().Undefined();
}

/**
 * Keeps freed tensor storage in the heap for reuse instead of returning it to
 * the OS. Every kernel output is a fresh array of up to a few MB, and glibc
 * serves those from mmap (or trims them off the heap top) once freed, so the
 * next one page-faults all its pages back in: measured 7-12 ms for a ReLU over
 * [5760, 128] against 0.16 ms with the pages reused (on a VM, where first
 * touches are expensive). The cost is a process whose RSS stays at its peak
 * (plus up to 128 MB), which suits a training process. Process-wide, so it can
 * be turned off with ANTILEARN_NATIVE_MALLOC=0.
 */
static void tune_malloc() {
#if defined(__GLIBC__)
  const char* v = std::getenv("ANTILEARN_NATIVE_MALLOC");
  if (v != nullptr && std::strcmp(v, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  std::string err = blas::load();
  if (!err.empty()) throw Napi::Error::New(env, err);
  exports.Set("abiVersion", Napi::Number::New(env, ABI_VERSION));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("blasConfig", Napi::Function::New(env, BlasConfig));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  init_matmul(env, exports);
  init_conv(env, exports);
  init_maxpool(env, exports);
  init_gather(env, exports);
  init_copy(env, exports);
  init_elementwise(env, exports);
  init_reduce(env, exports);
  return exports;
}

}  // namespace al

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return al::Init(env, exports); }

NODE_API_MODULE(antilearn_native, InitModule)
