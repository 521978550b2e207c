// Loads OpenBLAS with dlopen instead of linking it. OpenBLAS (DYNAMIC_ARCH
// builds, as Debian's) picks its kernel set in a library constructor, from
// the CPU id or the OPENBLAS_CORETYPE environment variable. 0.3.21 does not
// know AMD Zen 4/5 and falls back to its Haswell (AVX2) kernels, half the
// sgemm speed of its SkylakeX (AVX-512) kernels on those CPUs (measured 85 vs
// 160-190 GFLOP/s on one core). Setting the variable from JS is not enough:
// a worker thread's process.env is a private copy. So the addon sets it here,
// with setenv (process-wide), and only then opens the library. A user's own
// OPENBLAS_CORETYPE always wins.
#include "blas.h"

#include <dlfcn.h>

#include <cstdlib>

namespace al {
namespace blas {

decltype(&cblas_sgemm) sgemm = nullptr;
void (*set_num_threads)(int) = nullptr;
char* (*get_config)() = nullptr;
char* (*get_corename)() = nullptr;

static std::string coretype;

const std::string& chosen_coretype() { return coretype; }

static void choose_coretype() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512cd");
  // Intel CPUs with AVX-512 are recognised by OpenBLAS itself; AMD ones are not (before 0.3.22).
  if (avx512 && __builtin_cpu_is("amd")) {
    coretype = "SkylakeX";
    setenv("OPENBLAS_CORETYPE", coretype.c_str(), 0);
  }
#endif
}

template <typename T>
static bool sym(void* h, const char* name, T& out) {
  out = reinterpret_cast<T>(dlsym(h, name));
  return out != nullptr;
}

std::string load() {
  if (sgemm) return "";
  choose_coretype();
  const char* override_path = std::getenv("ANTILEARN_OPENBLAS_LIB");
  const char* names[] = {override_path, "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
  void* h = nullptr;
  std::string err;
  for (const char* n : names) {
    if (!n) continue;
    h = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (h) break;
    if (err.empty()) err = dlerror();
  }
  if (!h) return "cannot open OpenBLAS (" + err + "); install libopenblas0 / libopenblas-dev";
  if (!sym(h, "cblas_sgemm", sgemm) || !sym(h, "openblas_set_num_threads", set_num_threads) ||
      !sym(h, "openblas_get_config", get_config) || !sym(h, "openblas_get_corename", get_corename)) {
    sgemm = nullptr;
    return "the OpenBLAS library found lacks cblas_sgemm/openblas_* symbols";
  }
  return "";
}

}  // namespace blas
}  // namespace al
