// The fused LSTM and GRU cells on the CPU, row by row (rows split over threads), each row in
// xsimd batches (the vector exp and tanh the elementwise kernels use) with a scalar tail; on
// a GPU, tensor/cuda/cells.cu.
#include "tensor/cell_kernels.h"

#include <xgrad/detail/format.h>

#include <cmath>

#include <xsimd/xsimd.hpp>

#include "tensor/cell_rules.h"
#include "tensor/cuda/kernels.h"
#include "tensor/parallel.h"
#include "tensor/simd_io.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

using detail::make_tensor;

template <class T>
T sig(T x) {
  return T(1) / (T(1) + std::exp(-x));
}
template <class T>
T th(T x) {
  return std::tanh(x);
}
template <class T, class A>
xsimd::batch<T, A> sig(const xsimd::batch<T, A>& x) {
  const xsimd::batch<T, A> one(T(1));
  return one / (one + xsimd::exp(-x));
}
template <class T, class A>
xsimd::batch<T, A> th(const xsimd::batch<T, A>& x) {
  return xsimd::tanh(x);
}

namespace simd = detail::simd;  // qualified: ADL would find xsimd::store, an aligned store

// body.template operator()<V>(j) over [0, H): batches of V, then single elements.
template <class T, class F>
void over_row(std::int64_t H, F&& body) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t w = static_cast<std::int64_t>(B::size);
  std::int64_t j = 0;
  for (; j + w <= H; j += w) body(B{}, j);
  for (; j < H; ++j) body(T{}, j);
}

// Rows [0, n) split over threads; `cost` about the simple operations of one row.
template <class F>
void over_rows(std::int64_t n, double cost, F&& body) {
  detail::parallel_elements(n, cost, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) body(r);
  }, 1);
}

void check_pair(const Tensor& a, const char* a_name, const Tensor& b, const char* b_name, std::int64_t gates,
                const char* op) {
  if (!a.defined() || !b.defined()) fail(op, ": ", a.defined() ? b_name : a_name, " is undefined");
  if (!is_floating(a.dtype()) || a.dtype() != b.dtype() || a.device() != b.device() || a.dim() != 2 || b.dim() != 2 ||
      b.shape()[0] != a.shape()[0] || a.shape()[1] != gates * b.shape()[1])
    fail(op, ": expected ", a_name, " (N, ", gates, "·H) and ", b_name, " (N, H) of one float dtype and device, got ",
         dtype_name(a.dtype()), " ", detail::shape_str(a.shape()), " on ", a.device().str(), " and ",
         dtype_name(b.dtype()), " ", detail::shape_str(b.shape()), " on ", b.device().str());
}

// A state or gradient must be defined and shaped, typed and placed as `like` (the engine
// hands a multi-output node zeros for an output no gradient reached).
void check_like(const Tensor& t, const Tensor& like, const char* what, const char* op) {
  if (!t.defined()) fail(op, ": ", what, " is undefined");
  if (t.shape() != like.shape() || t.dtype() != like.dtype() || t.device() != like.device())
    fail(op, ": ", what, " is ", dtype_name(t.dtype()), " ", detail::shape_str(t.shape()), " on ", t.device().str(),
         ", expected ", dtype_name(like.dtype()), " ", detail::shape_str(like.shape()), " on ", like.device().str());
}

}  // namespace

LstmCellOut lstm_cell_forward(const Tensor& gates, const Tensor& c, const char* op) {
  check_pair(gates, "gates", c, "c", 4, op);
  LstmCellOut out{make_tensor(c.shape(), c.dtype(), c.device()), make_tensor(c.shape(), c.dtype(), c.device()),
                  make_tensor(gates.shape(), c.dtype(), c.device())};
  lstm_cell_forward_into(gates, c, out, op);
  return out;
}

void lstm_cell_forward_into(const Tensor& gates, const Tensor& c, LstmCellOut& out, const char* op) {
  check_pair(gates, "gates", c, "c", 4, op);
  check_like(out.h1, c, "h'", op);
  check_like(out.c1, c, "c'", op);
  check_like(out.acts, gates, "the activations", op);
  const std::int64_t N = c.shape()[0], H = c.shape()[1];
  if (!c.device().is_cpu()) return detail::gpu::lstm_cell_forward(out.h1, out.c1, out.acts, gates, c);
  detail::dispatch_float(c.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    over_rows(N, 40.0 * H, [&](std::int64_t r) {
      const T* gr = gates.data<T>() + r * 4 * H;
      const T* cr = c.data<T>() + r * H;
      T* ar = out.acts.data<T>() + r * 4 * H;
      T* h1 = out.h1.data<T>() + r * H;
      T* c1 = out.c1.data<T>() + r * H;
      over_row<T>(H, [&](auto v, std::int64_t j) {
        using V = decltype(v);
        const V i = sig(simd::load<V>(gr + j)), f = sig(simd::load<V>(gr + H + j)), g = th(simd::load<V>(gr + 2 * H + j)),
                o = sig(simd::load<V>(gr + 3 * H + j));
        const V cn = detail::cell::lstm_c1(i, f, g, simd::load<V>(cr + j));
        simd::store(c1 + j, cn);
        simd::store(h1 + j, V(o * th(cn)));
        simd::store(ar + j, i);
        simd::store(ar + H + j, f);
        simd::store(ar + 2 * H + j, g);
        simd::store(ar + 3 * H + j, o);
      });
    });
  });
}

LstmCellGrads lstm_cell_backward(const Tensor& acts, const Tensor& c, const Tensor& c1, const Tensor& dh1,
                                 const Tensor& dc1, const char* op) {
  check_pair(acts, "gates", c, "c", 4, op);
  LstmCellGrads out{make_tensor(acts.shape(), c.dtype(), c.device()), make_tensor(c.shape(), c.dtype(), c.device())};
  lstm_cell_backward_into(acts, c, c1, dh1, dc1, out, op);
  return out;
}

void lstm_cell_backward_into(const Tensor& acts, const Tensor& c, const Tensor& c1, const Tensor& dh1,
                             const Tensor& dc1, LstmCellGrads& out, const char* op) {
  check_pair(acts, "gates", c, "c", 4, op);
  check_like(c1, c, "c'", op);
  check_like(dh1, c, "h' 's gradient", op);
  check_like(dc1, c, "c' 's gradient", op);
  check_like(out.gates, acts, "the gates' gradient", op);
  check_like(out.c, c, "c's gradient", op);
  const std::int64_t N = c.shape()[0], H = c.shape()[1];
  if (!c.device().is_cpu()) return detail::gpu::lstm_cell_backward(out.gates, out.c, acts, c, c1, dh1, dc1);
  detail::dispatch_float(c.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    over_rows(N, 30.0 * H, [&](std::int64_t r) {
      const T* ar = acts.data<T>() + r * 4 * H;
      const T *cr = c.data<T>() + r * H, *c1r = c1.data<T>() + r * H;
      const T *dhr = dh1.data<T>() + r * H, *dcr = dc1.data<T>() + r * H;
      T* dg = out.gates.data<T>() + r * 4 * H;
      T* dc = out.c.data<T>() + r * H;
      over_row<T>(H, [&](auto v, std::int64_t j) {
        using V = decltype(v);
        V di, df, dgg, dout, dcv;
        detail::cell::lstm_backward(simd::load<V>(ar + j), simd::load<V>(ar + H + j), simd::load<V>(ar + 2 * H + j), simd::load<V>(ar + 3 * H + j),
                                    simd::load<V>(cr + j), V(th(simd::load<V>(c1r + j))), simd::load<V>(dhr + j), simd::load<V>(dcr + j), di, df, dgg,
                                    dout, dcv);
        simd::store(dg + j, di);
        simd::store(dg + H + j, df);
        simd::store(dg + 2 * H + j, dgg);
        simd::store(dg + 3 * H + j, dout);
        simd::store(dc + j, dcv);
      });
    });
  });
}

GruCellOut gru_cell_forward(const Tensor& xp, const Tensor& hp, const Tensor& h, const char* op) {
  check_pair(xp, "the input projection", h, "h", 3, op);
  GruCellOut out{make_tensor(h.shape(), h.dtype(), h.device()), make_tensor(xp.shape(), h.dtype(), h.device())};
  gru_cell_forward_into(xp, hp, h, out, op);
  return out;
}

void gru_cell_forward_into(const Tensor& xp, const Tensor& hp, const Tensor& h, GruCellOut& out, const char* op) {
  check_pair(xp, "the input projection", h, "h", 3, op);
  check_pair(hp, "the hidden projection", h, "h", 3, op);
  check_like(out.h1, h, "h'", op);
  check_like(out.acts, xp, "the activations", op);
  const std::int64_t N = h.shape()[0], H = h.shape()[1];
  if (!h.device().is_cpu()) return detail::gpu::gru_cell_forward(out.h1, out.acts, xp, hp, h);
  detail::dispatch_float(h.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    over_rows(N, 30.0 * H, [&](std::int64_t row) {
      const T *xr = xp.data<T>() + row * 3 * H, *hr = hp.data<T>() + row * 3 * H, *h0 = h.data<T>() + row * H;
      T* ar = out.acts.data<T>() + row * 3 * H;
      T* h1 = out.h1.data<T>() + row * H;
      over_row<T>(H, [&](auto v, std::int64_t j) {
        using V = decltype(v);
        const V r = sig(V(simd::load<V>(xr + j) + simd::load<V>(hr + j)));
        const V z = sig(V(simd::load<V>(xr + H + j) + simd::load<V>(hr + H + j)));
        const V n = th(V(simd::load<V>(xr + 2 * H + j) + r * simd::load<V>(hr + 2 * H + j)));
        simd::store(h1 + j, detail::cell::gru_h1(z, n, simd::load<V>(h0 + j)));
        simd::store(ar + j, r);
        simd::store(ar + H + j, z);
        simd::store(ar + 2 * H + j, n);
      });
    });
  });
}

GruCellGrads gru_cell_backward(const Tensor& acts, const Tensor& hp, const Tensor& h, const Tensor& dh1,
                               const char* op) {
  check_pair(acts, "gates", h, "h", 3, op);
  GruCellGrads out{make_tensor(acts.shape(), h.dtype(), h.device()), make_tensor(acts.shape(), h.dtype(), h.device()),
                   make_tensor(h.shape(), h.dtype(), h.device())};
  gru_cell_backward_into(acts, hp, h, dh1, out, op);
  return out;
}

void gru_cell_backward_into(const Tensor& acts, const Tensor& hp, const Tensor& h, const Tensor& dh1, GruCellGrads& out,
                            const char* op) {
  check_pair(acts, "gates", h, "h", 3, op);
  check_pair(hp, "the hidden projection", h, "h", 3, op);
  check_like(dh1, h, "h' 's gradient", op);
  check_like(out.xp, acts, "the input projection's gradient", op);
  check_like(out.hp, acts, "the hidden projection's gradient", op);
  check_like(out.h, h, "h's gradient", op);
  const std::int64_t N = h.shape()[0], H = h.shape()[1];
  if (!h.device().is_cpu()) return detail::gpu::gru_cell_backward(out.xp, out.hp, out.h, acts, hp, h, dh1);
  detail::dispatch_float(h.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    over_rows(N, 20.0 * H, [&](std::int64_t row) {
      const T *ar = acts.data<T>() + row * 3 * H, *hr = hp.data<T>() + row * 3 * H;
      const T *h0 = h.data<T>() + row * H, *dhr = dh1.data<T>() + row * H;
      T *gx = out.xp.data<T>() + row * 3 * H, *gh = out.hp.data<T>() + row * 3 * H, *dh = out.h.data<T>() + row * H;
      over_row<T>(H, [&](auto v, std::int64_t j) {
        using V = decltype(v);
        const V r = simd::load<V>(ar + j);
        V dr, dz, dn, dhv;
        detail::cell::gru_backward(r, simd::load<V>(ar + H + j), simd::load<V>(ar + 2 * H + j), simd::load<V>(hr + 2 * H + j), simd::load<V>(h0 + j),
                                   simd::load<V>(dhr + j), dr, dz, dn, dhv);
        simd::store(gx + j, dr);
        simd::store(gx + H + j, dz);
        simd::store(gx + 2 * H + j, dn);
        simd::store(gh + j, dr);
        simd::store(gh + H + j, dz);
        simd::store(gh + 2 * H + j, V(dn * r));
        simd::store(dh + j, dhv);
      });
    });
  });
}

}  // namespace xg::kernel
