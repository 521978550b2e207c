// OpenBLAS, opened at run time rather than linked (see blas.cc for why).
#pragma once

#include <cblas.h>

#include <string>

namespace al {
namespace blas {

extern decltype(&cblas_sgemm) sgemm;
extern void (*set_num_threads)(int);
extern char* (*get_config)();
extern char* (*get_corename)();

/** Opens libopenblas; returns "" on success, else a one-line reason. */
std::string load();
/** The OPENBLAS_CORETYPE this module chose ("" if it left the choice to OpenBLAS). */
const std::string& chosen_coretype();

}  // namespace blas
}  // namespace al
