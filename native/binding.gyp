# Builds antilearn_native.node: tfjs kernels on OpenBLAS (see native/README.md).
# scripts/build-native.mjs finds cblas.h and passes its folder in
# ANTILEARN_OPENBLAS_INCLUDE; OpenBLAS itself is opened at run time (src/blas.cc).
# -march=x86-64-v2 (SSE4.2, POPCNT) rather than -march=native: node_modules
# trees get copied between machines (Docker layers, CI caches), and a
# -march=native build would SIGILL on an older CPU. The heavy lifting is
# OpenBLAS sgemm, which picks its kernels at run time anyway; our own loops
# that gain from AVX2/AVX-512 are compiled with target_clones (see common.h).
# -ffp-contract=off: no fused multiply-adds in our own loops, so elementwise
# results round exactly like tfjs' cpu kernels (AntilearnAdamW is bit-identical
# to the op chain it replaces).
{
  "targets": [
    {
      "target_name": "antilearn_native",
      "sources": [
        "src/addon.cc",
        "src/blas.cc",
        "src/pool.cc",
        "src/matmul.cc",
        "src/conv.cc",
        "src/maxpool.cc",
        "src/gather.cc",
        "src/copy.cc",
        "src/elementwise.cc",
        "src/reduce.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node -p \"process.env.ANTILEARN_OPENBLAS_INCLUDE || '/usr/include/x86_64-linux-gnu/openblas-pthread'\")"
      ],
      "libraries": ["-ldl", "-lpthread"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-Wall", "-Wno-unused-function"],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-march=x86-64-v2", "-mtune=generic"] }]
      ]
    }
  ]
}
