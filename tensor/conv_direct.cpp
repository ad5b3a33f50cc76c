// Convolution on oneDNN's direct convolution primitives (Debian's libdnnl, the library
// PyTorch's CPU convolutions run on), 2-D and 3-D. conv3d's composition (depth taps gathered
// as channels, then conv2d's im2col and GEMM) spent 40% of its step outside the products
// (the column buffer, its adjoint, the gather's copies: docs/benchmarks.md); a direct kernel
// reads the input in place. In 2-D, im2col's products win where the input has few channels
// (a first layer): Auto takes the direct kernel only where it was measured faster. oneDNN
// wants its blocked layouts (nChw16c, nCdhw16c on AVX-512), so each sample is reordered in
// and out, as PyTorch does.
//
// Determinism: every primitive runs on one sample (N = 1) on its calling thread, so a
// sample's values do not depend on how samples are split over threads; the weight gradient
// is summed per block of samples cut from the job's size alone (reduction_blocks) and the
// blocks added in order, as conv2d's: the same bits on any number of threads.
#include "tensor/conv_direct.h"

#include <xgrad/detail/format.h>
#include <xgrad/runtime.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tensor/blas.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

#ifdef XGRAD_WITH_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>
#endif

namespace xg {

namespace {

ConvEngine engine_from_environment() {
  const char* v = std::getenv("XGRAD_CONV");
  if (!v || !*v || !std::strcmp(v, "auto")) return ConvEngine::Auto;
  if (!std::strcmp(v, "im2col")) return ConvEngine::Im2col;
  if (!std::strcmp(v, "onednn")) return ConvEngine::OneDNN;
  fail("XGRAD_CONV: expected auto, im2col or onednn, got '", v, "'");
}

// -1 until the first float32 convolution or set_conv_engine: a bad XGRAD_CONV is then an
// xg::Error from a call the user made.
std::atomic<int> g_engine{-1};

ConvEngine engine() {
  int v = g_engine.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(engine_from_environment());
    g_engine = v;
  }
  return static_cast<ConvEngine>(v);
}

}  // namespace

void set_conv_engine(ConvEngine e) {
#ifndef XGRAD_WITH_ONEDNN
  if (e == ConvEngine::OneDNN)
    fail("set_conv_engine: this xgrad was built without oneDNN (install libdnnl-dev and rebuild)");
#endif
  g_engine = static_cast<int>(e);
}

namespace kernel {

#ifdef XGRAD_WITH_ONEDNN

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using std::int64_t;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// A tensor's plain layout beside the layout a primitive chose, and the reorders between them
// (none where they agree). Built once per geometry, shared read-only by every thread.
struct Stage {
  memory::desc plain, inner;
  dnnl::reorder in, out;  // plain -> inner, inner -> plain; empty when the layouts agree
  Stage() = default;
  Stage(const memory::desc& p, const memory::desc& i) : plain(p), inner(i) {
    if (p == i) return;
    in = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), p, cpu_engine(), i));
    out = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), i, cpu_engine(), p));
  }
  bool same() const { return plain == inner; }
};

// The three primitives of one geometry (one sample), with their tensors' stages.
struct Plan {
  bool jit_direct = false;  // oneDNN's choice is a direct JIT kernel, not its GEMM fallback
  dnnl::convolution_forward::primitive_desc fwd_pd;
  dnnl::convolution_backward_data::primitive_desc data_pd;
  dnnl::convolution_backward_weights::primitive_desc weights_pd;
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data data;
  dnnl::convolution_backward_weights weights;
  Stage fwd_src, fwd_wei, fwd_dst, data_dst, data_wei, data_src, weights_src, weights_dst, weights_wei;
};

std::unique_ptr<Plan> make_plan(const DirectConvGeom& g) {
  const int64_t G = g.groups;
  const auto r = static_cast<std::size_t>(g.rank);
  memory::dims src{1, g.C}, dst{1, g.OC}, wei, strides, dilates, pad;
  if (G > 1) wei.push_back(G);
  wei.insert(wei.end(), {g.OC / G, g.C / G});
  for (std::size_t a = 0; a < r; ++a) {
    src.push_back(g.in[a]), dst.push_back(g.out[a]), wei.push_back(g.kernel[a]);
    strides.push_back(g.stride[a]), dilates.push_back(g.dilation[a] - 1);  // oneDNN counts the gaps
    // PyTorch's padding on both sides; oneDNN accepts it wherever the output size is the
    // floor rule's (size + 2P - span) / stride + 1 (conv_direct_available checks).
    pad.push_back(g.padding[a]);
  }
  const memory::dims bias{g.OC};
  // (OC, C/G, K...) is g-o-i-K as it lies.
  const tag data_tag = g.rank == 2 ? tag::nchw : tag::ncdhw;
  const tag wei_tag = g.rank == 2 ? (G == 1 ? tag::oihw : tag::goihw) : (G == 1 ? tag::oidhw : tag::goidhw);
  const auto f32 = memory::data_type::f32;
  const memory::desc any_src(src, f32, tag::any), any_dst(dst, f32, tag::any), any_wei(wei, f32, tag::any);
  const memory::desc plain_src(src, f32, data_tag), plain_dst(dst, f32, data_tag),
      plain_wei(wei, f32, wei_tag), plain_bias(bias, f32, tag::x);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // each call brings its own: thread-safe
  const auto alg = dnnl::algorithm::convolution_direct;
  auto p = std::make_unique<Plan>();
  p->fwd_pd = dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, any_src, any_wei, plain_bias, any_dst,
                                      strides, dilates, pad, pad),
      attr, cpu_engine());
  p->data_pd = dnnl::convolution_backward_data::primitive_desc(
      dnnl::convolution_backward_data::desc(alg, any_src, any_wei, any_dst, strides, dilates, pad, pad), attr,
      cpu_engine(), p->fwd_pd);
  p->weights_pd = dnnl::convolution_backward_weights::primitive_desc(
      dnnl::convolution_backward_weights::desc(alg, any_src, any_wei, any_dst, strides, dilates, pad, pad), attr,
      cpu_engine(), p->fwd_pd);
  p->jit_direct = true;
  for (const char* impl : {p->fwd_pd.impl_info_str(), p->data_pd.impl_info_str(), p->weights_pd.impl_info_str()})
    if (std::strstr(impl, "gemm") || std::strstr(impl, "ref")) p->jit_direct = false;
  p->fwd = dnnl::convolution_forward(p->fwd_pd);
  p->data = dnnl::convolution_backward_data(p->data_pd);
  p->weights = dnnl::convolution_backward_weights(p->weights_pd);
  p->fwd_src = Stage(plain_src, p->fwd_pd.src_desc());
  p->fwd_wei = Stage(plain_wei, p->fwd_pd.weights_desc());
  p->fwd_dst = Stage(plain_dst, p->fwd_pd.dst_desc());
  p->data_dst = Stage(plain_dst, p->data_pd.diff_dst_desc());
  p->data_wei = Stage(plain_wei, p->data_pd.weights_desc());
  p->data_src = Stage(plain_src, p->data_pd.diff_src_desc());
  p->weights_src = Stage(plain_src, p->weights_pd.src_desc());
  p->weights_dst = Stage(plain_dst, p->weights_pd.diff_dst_desc());
  p->weights_wei = Stage(plain_wei, p->weights_pd.diff_weights_desc());
  return p;
}

struct KeyHash {
  std::size_t operator()(const std::vector<int64_t>& k) const {
    std::size_t h = 0;
    for (const int64_t v : k) h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h;
  }
};

// Plans by geometry (the batch size aside: every primitive runs on one sample). A model has a
// few convolution shapes; the cache is cleared when a program cycles through more.
// Shared: a call keeps its plan alive while another thread's clears the cache.
std::shared_ptr<const Plan> plan_for(const DirectConvGeom& g) {
  static std::mutex mutex;
  static std::unordered_map<std::vector<int64_t>, std::shared_ptr<const Plan>, KeyHash> plans;
  std::vector<int64_t> key{g.rank, g.C, g.OC, g.groups};
  for (int a = 0; a < g.rank; ++a)
    key.insert(key.end(), {g.in[a], g.out[a], g.kernel[a], g.stride[a], g.padding[a], g.dilation[a]});
  std::lock_guard<std::mutex> lock(mutex);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  // A geometry oneDNN has no primitive for is remembered as none: im2col (or conv3d's composition) takes it.
  std::shared_ptr<const Plan> plan;
  try {
    plan = make_plan(g);
  } catch (const dnnl::error&) {
  }
  if (plans.size() >= 256) plans.clear();
  return plans.emplace(std::move(key), std::move(plan)).first->second;
}

// One thread's buffers for a run of samples: the stream and the inner layouts where they
// differ from the plain ones, allocated once per chunk.
struct Buffers {
  dnnl::stream stream{cpu_engine()};
  std::vector<memory> held;
  memory inner(const Stage& s, const memory& plain) {
    if (s.same()) return plain;
    held.emplace_back(s.inner, cpu_engine());
    return held.back();
  }
};

const char* op_name(const DirectConvGeom& g) { return g.rank == 2 ? "conv2d" : "conv3d"; }

std::int64_t spatial(const DirectConvGeom& g, const std::int64_t* sizes) {
  std::int64_t n = 1;
  for (int a = 0; a < g.rank; ++a) n *= sizes[a];
  return n;
}

std::shared_ptr<const Plan> built_plan(const DirectConvGeom& g) {
  std::shared_ptr<const Plan> plan = plan_for(g);
  if (!plan)
    fail(op_name(g), ": oneDNN has no convolution for ", g.C, " input channels of ", spatial(g, g.in), " positions, ",
         g.OC, " output channels in ", g.groups, " groups");
  return plan;
}

memory plain_memory(const memory::desc& d, const void* data) {
  return memory(d, cpu_engine(), const_cast<void*>(data));
}

memory scratchpad(const memory::desc& d) { return memory(d, cpu_engine()); }

double macs(const DirectConvGeom& g) {
  return static_cast<double>(g.N) * static_cast<double>(g.OC) * static_cast<double>(g.C / g.groups) *
         static_cast<double>(spatial(g, g.kernel)) * static_cast<double>(spatial(g, g.out));
}

template <class F>
void guarded(const DirectConvGeom& g, F&& f) {
  try {
    f();
  } catch (const dnnl::error& e) {
    fail(op_name(g), ": oneDNN's convolution failed: ", e.what());
  }
}

// The floor rule's output size on every axis (a transposed convolution's output_padding
// at or past the stride gives another, which no forward convolution has).
bool floor_rule_holds(const DirectConvGeom& g) {
  for (int a = 0; a < g.rank; ++a) {
    const std::int64_t span = g.dilation[a] * (g.kernel[a] - 1) + 1;
    if ((g.in[a] + 2 * g.padding[a] - span) / g.stride[a] + 1 != g.out[a]) return false;
  }
  return true;
}

// Auto's 2-D rule, measured (docs/benchmarks.md, "conv2d on oneDNN"): im2col's products win
// for fewer than 8 input channels (a first layer: 1.4-1.7x faster there) and for a pointwise
// (1x1, stride 1, unpadded) convolution, which im2col runs as one plain product with no
// column buffer; the direct kernel wins elsewhere (1.1-3.4x), grouped and depthwise
// convolutions included (3-4x: im2col's per-group products are thin).
bool auto_2d(const DirectConvGeom& g) {
  const bool pointwise = g.kernel[0] == 1 && g.kernel[1] == 1 && g.stride[0] == 1 && g.stride[1] == 1 &&
                         g.padding[0] == 0 && g.padding[1] == 0;
  return !pointwise && (g.groups > 1 || g.C >= 8);
}

Shape with_spatial(Shape head, const DirectConvGeom& g, const std::int64_t* sizes) {
  head.insert(head.end(), sizes, sizes + g.rank);
  return head;
}
Shape input_shape(const DirectConvGeom& g) { return with_spatial({g.N, g.C}, g, g.in); }
Shape output_shape(const DirectConvGeom& g) { return with_spatial({g.N, g.OC}, g, g.out); }
Shape weight_shape(const DirectConvGeom& g) { return with_spatial({g.OC, g.C / g.groups}, g, g.kernel); }

// A tensor's samples on one side of a primitive: its stage, the primitive's argument, the
// first sample and the size of one.
struct Samples {
  const Stage& stage;
  int arg;
  const float* data;
  int64_t size;
};
struct Weight {
  const Stage& stage;
  const float* data;
};

// Runs `prim` on every sample, split over xgrad's threads: sample n of `from` reordered into
// the primitive's layout, the result reordered out into sample n of `to`; the weight
// reordered once and shared by the threads; `extra`: the other arguments (the bias).
void per_sample(const DirectConvGeom& g, const dnnl::primitive& prim, const memory::desc& scratch, Weight weight,
                Samples from, Samples to, const std::unordered_map<int, memory>& extra) {
  guarded(g, [&] {
    Buffers shared;
    memory w_plain = plain_memory(weight.stage.plain, weight.data), w = shared.inner(weight.stage, w_plain);
    if (!weight.stage.same()) weight.stage.in.execute(shared.stream, w_plain, w);
    shared.stream.wait();
    detail::parallel_for(g.N, macs(g), [&](int64_t n0, int64_t n1, int) {
      detail::onednn_on_this_thread();
      Buffers t;
      // Where the layouts agree, the inner memory is the plain one: moving its handle moves both.
      memory in_plain = plain_memory(from.stage.plain, from.data), in = t.inner(from.stage, in_plain);
      memory out_plain = plain_memory(to.stage.plain, to.data), out = t.inner(to.stage, out_plain);
      std::unordered_map<int, memory> args = extra;
      args[DNNL_ARG_WEIGHTS] = w, args[from.arg] = in, args[to.arg] = out;
      args[DNNL_ARG_SCRATCHPAD] = scratchpad(scratch);
      for (int64_t n = n0; n < n1; ++n) {
        in_plain.set_data_handle(const_cast<float*>(from.data + n * from.size));
        out_plain.set_data_handle(const_cast<float*>(to.data + n * to.size));
        if (!from.stage.same()) from.stage.in.execute(t.stream, in_plain, in);
        prim.execute(t.stream, args);
        if (!to.stage.same()) to.stage.out.execute(t.stream, out, out_plain);
      }
      t.stream.wait();
    });
  });
}

}  // namespace

bool conv_direct_available(const DirectConvGeom& g) {
  const ConvEngine e = engine();
  if (e == ConvEngine::Im2col || !floor_rule_holds(g)) return false;
  if (e == ConvEngine::Auto && g.rank == 2 && !auto_2d(g)) return false;
  const std::shared_ptr<const Plan> plan = plan_for(g);
  return plan && (e == ConvEngine::OneDNN || plan->jit_direct);
}

Tensor conv_direct_forward(const Tensor& x, const Tensor& W, const Tensor& b, const DirectConvGeom& g) {
  Tensor y = detail::make_tensor(output_shape(g), kFloat32, Device());
  if (y.numel() == 0) return y;
  const std::shared_ptr<const Plan> plan = built_plan(g);
  const Plan& p = *plan;
  const std::vector<float> no_bias(b.defined() ? 0 : static_cast<std::size_t>(g.OC), 0.0f);
  const memory bias = plain_memory(p.fwd_pd.bias_desc(), b.defined() ? b.data<float>() : no_bias.data());
  per_sample(g, p.fwd, p.fwd_pd.scratchpad_desc(), {p.fwd_wei, W.data<float>()},
             {p.fwd_src, DNNL_ARG_SRC, x.data<float>(), g.C * spatial(g, g.in)},
             {p.fwd_dst, DNNL_ARG_DST, y.data<float>(), g.OC * spatial(g, g.out)}, {{DNNL_ARG_BIAS, bias}});
  return y;
}

Tensor conv_direct_input_grad(const Tensor& gy, const Tensor& W, const DirectConvGeom& g) {
  Tensor gx = detail::make_tensor(input_shape(g), kFloat32, Device());
  if (gx.numel() == 0) return gx;
  const std::shared_ptr<const Plan> plan = built_plan(g);
  const Plan& p = *plan;
  per_sample(g, p.data, p.data_pd.scratchpad_desc(), {p.data_wei, W.data<float>()},
             {p.data_dst, DNNL_ARG_DIFF_DST, gy.data<float>(), g.OC * spatial(g, g.out)},
             {p.data_src, DNNL_ARG_DIFF_SRC, gx.data<float>(), g.C * spatial(g, g.in)}, {});
  return gx;
}

Tensor conv_direct_weight_grad(const Tensor& x, const Tensor& gy, const DirectConvGeom& g) {
  Tensor gW = detail::make_tensor(weight_shape(g), kFloat32, Device());
  if (gW.numel() == 0) return gW;
  float* out = gW.data<float>();
  const auto wsize = static_cast<std::size_t>(gW.numel());
  std::fill(out, out + wsize, 0.0f);
  if (g.N == 0) return gW;
  const std::shared_ptr<const Plan> plan = built_plan(g);
  const Plan& p = *plan;
  const int64_t in_size = g.C * spatial(g, g.in), out_size = g.OC * spatial(g, g.out);
  // One accumulator per block of samples, the blocks cut from the job's size alone and
  // summed in block order: the same bits on any number of threads.
  const int blocks = detail::reduction_blocks(g.N, macs(g));
  std::vector<std::vector<float>> partial(static_cast<std::size_t>(blocks));
  guarded(g, [&] {
    detail::parallel_for_chunks(g.N, blocks, [&](int64_t n0, int64_t n1, int block) {
      detail::onednn_on_this_thread();
      std::vector<float>& acc = partial[static_cast<std::size_t>(block)];
      acc.assign(wsize, 0.0f);
      std::vector<float> one(wsize);
      Buffers t;
      memory x_plain = plain_memory(p.weights_src.plain, x.data<float>()), src = t.inner(p.weights_src, x_plain);
      memory gy_plain = plain_memory(p.weights_dst.plain, gy.data<float>()), diff_dst = t.inner(p.weights_dst, gy_plain);
      memory gw_plain = plain_memory(p.weights_wei.plain, one.data()), diff_w = t.inner(p.weights_wei, gw_plain);
      const std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                                 {DNNL_ARG_DIFF_DST, diff_dst},
                                                 {DNNL_ARG_DIFF_WEIGHTS, diff_w},
                                                 {DNNL_ARG_SCRATCHPAD, scratchpad(p.weights_pd.scratchpad_desc())}};
      for (int64_t n = n0; n < n1; ++n) {
        x_plain.set_data_handle(const_cast<float*>(x.data<float>() + n * in_size));
        gy_plain.set_data_handle(const_cast<float*>(gy.data<float>() + n * out_size));
        if (!p.weights_src.same()) p.weights_src.in.execute(t.stream, x_plain, src);
        if (!p.weights_dst.same()) p.weights_dst.in.execute(t.stream, gy_plain, diff_dst);
        p.weights.execute(t.stream, args);
        if (!p.weights_wei.same()) p.weights_wei.out.execute(t.stream, diff_w, gw_plain);
        t.stream.wait();
        for (std::size_t i = 0; i < wsize; ++i) acc[i] += one[i];
      }
    });
  });
  for (const auto& acc : partial)
    for (std::size_t i = 0; i < wsize; ++i) out[i] += acc[i];
  return gW;
}

#else  // built without oneDNN: im2col and conv3d's composition take every convolution

bool conv_direct_available(const DirectConvGeom&) { return false; }

namespace {
[[noreturn]] void unavailable() { fail("convolution: the direct kernels need a build with oneDNN"); }
}  // namespace

Tensor conv_direct_forward(const Tensor&, const Tensor&, const Tensor&, const DirectConvGeom&) { unavailable(); }
Tensor conv_direct_input_grad(const Tensor&, const Tensor&, const DirectConvGeom&) { unavailable(); }
Tensor conv_direct_weight_grad(const Tensor&, const Tensor&, const DirectConvGeom&) { unavailable(); }

#endif

}  // namespace kernel

}  // namespace xg
