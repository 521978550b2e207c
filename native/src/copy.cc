// Data movement: Transpose, Slice, Concat and Split (SplitV). tfjs' cpu
// backend does the general cases of these with a per-element index
// computation in JS (TensorBuffer.get/set); here shapes are first collapsed
// (size-1 dims dropped, dims that stay adjacent merged) and the inner loop is
// a memcpy or a blocked 2-D transpose. Work on raw bytes, so any dtype with a
// TypedArray (float32, int32, bool) goes through the same code.
#include <algorithm>
#include <cstring>

#include "common.h"

namespace al {

namespace {

template <typename T>
void transpose2d_block(const T* __restrict in, T* __restrict out, int64_t rows, int64_t cols, int64_t r0, int64_t r1) {
  // in [rows, cols] -> out [cols, rows], rows r0..r1 of the input.
  constexpr int64_t TB = 32;
  for (int64_t rb = r0; rb < r1; rb += TB) {
    const int64_t re = std::min(r1, rb + TB);
    for (int64_t cb = 0; cb < cols; cb += TB) {
      const int64_t ce = std::min(cols, cb + TB);
      for (int64_t r = rb; r < re; r++)
        for (int64_t c = cb; c < ce; c++) out[c * rows + r] = in[r * cols + c];
    }
  }
}

template <typename T>
void transpose_typed(const T* in, T* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm) {
  const int64_t R = static_cast<int64_t>(shape.size());
  const int64_t total = prod(shape);
  // Batched 2-D transpose: perm = [0, 1, ..., R-3, R-1, R-2].
  bool batched2d = R >= 2 && perm[R - 1] == R - 2 && perm[R - 2] == R - 1;
  for (int64_t i = 0; batched2d && i < R - 2; i++) batched2d = perm[i] == i;
  if (batched2d) {
    const int64_t rows = shape[R - 2], cols = shape[R - 1], batch = total / (rows * cols);
    const int64_t mat = rows * cols;
    if (batch > 1) {
      parallel_for(batch, std::max<int64_t>(1, 32768 / mat), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; b++) transpose2d_block(in + b * mat, out + b * mat, rows, cols, 0, rows);
      });
    } else {
      parallel_for(rows, std::max<int64_t>(32, 32768 / cols), [&](int64_t r0, int64_t r1) {
        transpose2d_block(in, out, rows, cols, r0, r1);
      });
    }
    return;
  }
  // General: walk the output in order; input strides permuted.
  std::vector<int64_t> inStride(R), outShape(R), stride(R);
  int64_t acc = 1;
  for (int64_t d = R - 1; d >= 0; d--) {
    inStride[d] = acc;
    acc *= shape[d];
  }
  for (int64_t d = 0; d < R; d++) {
    outShape[d] = shape[perm[d]];
    stride[d] = inStride[perm[d]];
  }
  const int64_t L = outShape[R - 1], sL = stride[R - 1];
  const int64_t rows = total / L;
  parallel_for(rows, std::max<int64_t>(1, 32768 / L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rem = r, off = 0;
      for (int64_t d = R - 2; d >= 0; d--) {
        off += (rem % outShape[d]) * stride[d];
        rem /= outShape[d];
      }
      T* o = out + r * L;
      const T* src = in + off;
      for (int64_t j = 0; j < L; j++) o[j] = src[j * sL];
    }
  });
}

/** transpose(x, shape, perm, out) */
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Buf x = buf(info, 0);
  std::vector<int64_t> shape = shape_arg(info, 1), perm = shape_arg(info, 2);
  Buf o = buf(info, 3);
  const size_t R = shape.size();
  if (perm.size() != R || x.elem != o.elem || x.length != o.length || static_cast<int64_t>(x.length) != prod(shape))
    throw Napi::RangeError::New(info.Env(), "transpose: shapes do not match buffers");
  std::vector<bool> seen(R, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(R) || seen[p]) throw Napi::RangeError::New(info.Env(), "transpose: bad perm");
    seen[p] = true;
  }
  if (x.length == 0) return info.Env().Undefined();
  // Collapse: drop size-1 dims, then merge input dims that stay adjacent.
  std::vector<int64_t> keep(R, -1), s1, p1;
  for (size_t d = 0; d < R; d++)
    if (shape[d] != 1) {
      keep[d] = static_cast<int64_t>(s1.size());
      s1.push_back(shape[d]);
    }
  for (size_t d = 0; d < R; d++)
    if (keep[perm[d]] >= 0) p1.push_back(keep[perm[d]]);
  // Merge runs where p1[i+1] == p1[i] + 1.
  std::vector<int64_t> groupOf(s1.size());
  std::vector<std::vector<int64_t>> groups;  // in output order, each a run of input dims
  for (size_t i = 0; i < p1.size(); i++) {
    if (i > 0 && p1[i] == p1[i - 1] + 1)
      groups.back().push_back(p1[i]);
    else
      groups.push_back({p1[i]});
  }
  // Groups sorted by their first input dim give the collapsed input shape.
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a][0] < groups[b][0]; });
  std::vector<int64_t> cshape(groups.size()), cperm(groups.size()), rankOf(groups.size());
  for (size_t k = 0; k < order.size(); k++) {
    int64_t len = 1;
    for (int64_t d : groups[order[k]]) len *= s1[d];
    cshape[k] = len;
    rankOf[order[k]] = static_cast<int64_t>(k);
  }
  for (size_t i = 0; i < groups.size(); i++) cperm[i] = rankOf[i];
  if (cshape.size() <= 1) {
    std::memcpy(o.data, x.data, x.length * x.elem);
    return info.Env().Undefined();
  }
  switch (x.elem) {
    case 1: transpose_typed(static_cast<const uint8_t*>(x.data), static_cast<uint8_t*>(o.data), cshape, cperm); break;
    case 2: transpose_typed(static_cast<const uint16_t*>(x.data), static_cast<uint16_t*>(o.data), cshape, cperm); break;
    case 4: transpose_typed(static_cast<const uint32_t*>(x.data), static_cast<uint32_t*>(o.data), cshape, cperm); break;
    default: transpose_typed(static_cast<const uint64_t*>(x.data), static_cast<uint64_t*>(o.data), cshape, cperm); break;
  }
  return info.Env().Undefined();
}

/** slice(x, shape, begin, size, out): out = x[begin : begin + size] (all dims). */
Napi::Value Slice(const Napi::CallbackInfo& info) {
  Buf x = buf(info, 0);
  std::vector<int64_t> shape = shape_arg(info, 1), begin = shape_arg(info, 2), size = shape_arg(info, 3);
  Buf o = buf(info, 4);
  const size_t R = shape.size();
  if (begin.size() != R || size.size() != R || x.elem != o.elem || static_cast<int64_t>(x.length) != prod(shape) ||
      static_cast<int64_t>(o.length) != prod(size))
    throw Napi::RangeError::New(info.Env(), "slice: shapes do not match buffers");
  for (size_t d = 0; d < R; d++)
    if (begin[d] < 0 || size[d] < 0 || begin[d] + size[d] > shape[d])
      throw Napi::RangeError::New(info.Env(), "slice: out of bounds");
  if (o.length == 0) return info.Env().Undefined();
  // Merge trailing dims that are taken whole into the contiguous run.
  int64_t run = 1;  // elements per contiguous run
  int64_t last = static_cast<int64_t>(R) - 1;
  while (last >= 0 && begin[last] == 0 && size[last] == shape[last]) run *= shape[last--];
  if (last < 0) {
    std::memcpy(o.data, x.data, o.length * o.elem);
    return info.Env().Undefined();
  }
  // dims 0..last; dim `last` is partially taken: its slice plus the whole tail is one run.
  std::vector<int64_t> inStride(last + 1);
  int64_t acc = run;
  for (int64_t d = last; d >= 0; d--) {
    inStride[d] = acc;
    acc *= shape[d];
  }
  const int64_t runLen = size[last] * run;
  const int64_t rows = static_cast<int64_t>(o.length) / runLen;
  const size_t e = x.elem;
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(o.data);
  parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, runLen)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rem = r, off = begin[last] * inStride[last];
      for (int64_t d = last - 1; d >= 0; d--) {
        off += (begin[d] + rem % size[d]) * inStride[d];
        rem /= size[d];
      }
      std::memcpy(dst + r * runLen * e, src + off * e, runLen * e);
    }
  });
  return info.Env().Undefined();
}

/**
 * concat(inputs[], widths Int32Array, outer, out): each input is [outer, widths[i]]
 * (elements), out is [outer, sum(widths)]: the layout of a concat along any axis
 * once the dims before it are folded into `outer`.
 */
Napi::Value Concat(const Napi::CallbackInfo& info) {
  std::vector<Buf> ins = buf_list(info, 0);
  std::vector<int64_t> widths = shape_arg(info, 1);
  int64_t outer = int_arg(info, 2);
  Buf o = buf(info, 3);
  if (ins.size() != widths.size()) throw Napi::RangeError::New(info.Env(), "concat: widths length");
  int64_t total = 0;
  for (size_t i = 0; i < ins.size(); i++) {
    if (ins[i].type != o.type || static_cast<int64_t>(ins[i].length) != outer * widths[i])
      throw Napi::RangeError::New(info.Env(), "concat: input does not match its width");
    total += widths[i];
  }
  if (static_cast<int64_t>(o.length) != outer * total) throw Napi::RangeError::New(info.Env(), "concat: output size");
  const size_t e = o.elem;
  char* dst = static_cast<char*>(o.data);
  parallel_for(outer, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, total)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      char* d = dst + r * total * e;
      for (size_t i = 0; i < ins.size(); i++) {
        const size_t bytes = widths[i] * e;
        std::memcpy(d, static_cast<const char*>(ins[i].data) + r * bytes, bytes);
        d += bytes;
      }
    }
  });
  return info.Env().Undefined();
}

/** split(x, widths Int32Array, outer, outs[]): the inverse of concat. */
Napi::Value Split(const Napi::CallbackInfo& info) {
  Buf x = buf(info, 0);
  std::vector<int64_t> widths = shape_arg(info, 1);
  int64_t outer = int_arg(info, 2);
  std::vector<Buf> outs = buf_list(info, 3);
  if (outs.size() != widths.size()) throw Napi::RangeError::New(info.Env(), "split: widths length");
  int64_t total = 0;
  for (size_t i = 0; i < outs.size(); i++) {
    if (outs[i].type != x.type || static_cast<int64_t>(outs[i].length) != outer * widths[i])
      throw Napi::RangeError::New(info.Env(), "split: output does not match its width");
    total += widths[i];
  }
  if (static_cast<int64_t>(x.length) != outer * total) throw Napi::RangeError::New(info.Env(), "split: input size");
  const size_t e = x.elem;
  const char* src = static_cast<const char*>(x.data);
  parallel_for(outer, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, total)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const char* s = src + r * total * e;
      for (size_t i = 0; i < outs.size(); i++) {
        const size_t bytes = widths[i] * e;
        std::memcpy(static_cast<char*>(outs[i].data) + r * bytes, s, bytes);
        s += bytes;
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void init_copy(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("slice", Napi::Function::New(env, Slice));
  exports.Set("concat", Napi::Function::New(env, Concat));
  exports.Set("split", Napi::Function::New(env, Split));
}

}  // namespace al
