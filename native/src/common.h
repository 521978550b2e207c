// Shared helpers for the antilearn native kernels: argument unpacking (zero
// copy: every tensor arrives as a TypedArray view of tfjs' own storage and
// every output is a TypedArray that JS allocated), the thread pool, and the
// function-multiversioning macro.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace al {

// Hot loops are compiled twice, for x86-64-v3 (AVX2+FMA) and the baseline, and
// picked at load time (GNU ifunc). That keeps the binary portable between
// machines (a copied node_modules) without giving up AVX2 where it exists.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define AL_CLONES
#endif

/** A TypedArray argument: its data pointer, element count and element size. */
struct Buf {
  void* data;
  size_t length;  // elements
  size_t elem;    // bytes per element
  napi_typedarray_type type;
};

/** The TypedArray at argument i (throws a TypeError if it is not one). */
Buf buf(const Napi::CallbackInfo& info, size_t i);
/** A TypedArray value (throws a TypeError naming `what` if it is not one). */
Buf buf_of(napi_env env, napi_value v, const std::string& what);
/** An array of TypedArrays at argument i. */
std::vector<Buf> buf_list(const Napi::CallbackInfo& info, size_t i);
/** A Float32Array argument's data (throws a TypeError otherwise). */
float* f32(const Napi::CallbackInfo& info, size_t i, size_t* length = nullptr);
/** An Int32Array argument's data (throws a TypeError otherwise). */
int32_t* i32(const Napi::CallbackInfo& info, size_t i, size_t* length = nullptr);
/** An integer argument. */
int64_t int_arg(const Napi::CallbackInfo& info, size_t i);
/** A number argument. */
double num_arg(const Napi::CallbackInfo& info, size_t i);
/** A shape passed as an Int32Array. */
std::vector<int64_t> shape_arg(const Napi::CallbackInfo& info, size_t i);

/** Thread count for OpenBLAS and for our own loops (set by setNumThreads). */
int num_threads();
void set_num_threads(int n);

/**
 * Runs fn(begin, end) over [0, n) split into at most num_threads() contiguous
 * chunks of at least `grain` items; chunk 0 runs on the calling thread. Runs
 * inline when the work is small, when one thread is configured, or when the
 * pool is busy (another JS worker thread in the same process is using it).
 */
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

/** Product of dims. */
inline int64_t prod(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

/** Activation codes shared by _FusedMatMul and Conv2D (match native-kernels/activation.ts). */
enum Activation { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKYRELU = 3, ACT_SIGMOID = 4, ACT_ELU = 5 };
/** Applies an activation in place over n floats (parallel when large); false for an unknown code. */
bool activation_inplace(float* x, int64_t n, int act, float alpha);

// Registration hooks, one per source file (called from addon.cc).
void init_matmul(Napi::Env env, Napi::Object exports);
void init_conv(Napi::Env env, Napi::Object exports);
void init_maxpool(Napi::Env env, Napi::Object exports);
void init_gather(Napi::Env env, Napi::Object exports);
void init_copy(Napi::Env env, Napi::Object exports);
void init_elementwise(Napi::Env env, Napi::Object exports);
void init_reduce(Napi::Env env, Napi::Object exports);

}  // namespace al
