// Times what bench/compare.py --suite compositions compares with PyTorch 1.13: operations a
// libtorch user ports, each forward + backward of sum(y * g) (draws: forward only), float32.
// The same workloads, shapes and order as bench/composition_reference.py:
//   reflect_pad       pad (4, 64, 64, 64) by 1 on H and W in reflect mode
//   reflect_conv      the same padding, then a 3x3 64->64 convolution (padding_mode reflect)
//   upsample          bilinear x2 of (8, 32, 32, 32), align_corners false
//   einsum            "bhqd,bhkd->bhqk" on (8, 8, 256, 64) twice (attention scores)
//   cumprod           cumprod along 1 of (256, 1024), values in [0.5, 1.5]
//   prod              prod along 1 of (256, 1024)
//   elementwise       atan2(a, b) + remainder(a, 1.5) * tan(b) on 2^20 elements
//   multinomial_char  one draw from 65 categories (char_lstm's sampling step)
//   multinomial_rows  one draw per row from (256, 1000), with replacement
//   inv               linalg.inv of 64 matrices 32 x 32 (randn + 6 I)
//   solve             linalg.solve of A (256, 256) (randn + 16 I) for B (256, 64)
//   cholesky          linalg.cholesky of a (256, 256) SPD matrix
//   eigh              linalg.eigvalsh of a symmetric (128, 128) matrix
//   slogdet           log|det| of 64 matrices 32 x 32 (randn + 6 I)
//   svd               linalg.svdvals of a (256, 128) matrix
//   qr                linalg.qr (reduced) of a (256, 128) matrix, Q and R both in the loss
//   grid_sample       a spatial transformer's sampling: affine_grid of 32 thetas over (32, 16,
//                     48, 48), bilinear grid_sample of (32, 16, 48, 48); gradients for both
//   quantile          quantile at 5 q along 1 of (256, 1024), linear
//   median            median along 1 of (256, 1024)
//   adaptive_max      adaptive_max_pool2d of (32, 64, 28, 28) to (5, 5) (uneven, overlapping windows)
//   fractional_pool   fractional_max_pool2d, 3x3 windows, output_ratio 0.5, of (32, 64, 28, 28)
//                     (new random windows each call)
//   logcumsumexp      logcumsumexp along 1 of (256, 1024)
//   cummax            cummax along 1 of (256, 1024), the values in the loss
//   searchsorted      2^16 values placed in a sorted (4096,) sequence (positions: forward only)
//   binary_math       logaddexp(a, b) + hypot(a, b) + xlogy(a, b) on 2^20 elements (b > 0)
//   embedding_bag     EmbeddingBag sum of 1024 bags of 1 to 31 indices (offsets) from a
//                     (20000, 64) table, the table's gradient (text classification's layer)
//   unique            unique (inverse and counts) of 2^18 int64 values in [0, 5000) (forward only)
//   int_divide        2^20 flat int64 indices unravelled into rows and columns of width 1000
//   bitwise           2^20 int64 hashes mixed: (a ^ (a >> 7)) & mask | (b << 3), then ~
//                     (div "floor", remainder) plus a bucket by fmod 977 (forward only)
//   histc             histc of 2^20 float32 values in 100 bins over [-3, 3] (forward only)
//   special           lgamma(x) + digamma(x) + erfinv(y) + erfc(x) on 2^20 elements (x > 0,
//                     |y| < 1), forward + backward (the backward evaluates digamma, trigamma too)
//   addmm             addmm(bias (512,), x (256, 512), W (512, 512), 0.5, 2) + baddbmm of
//                     (16, 64, 64) @ (16, 64, 64) onto (64, 64), forward + backward
//   ctc               CTC loss of log_softmax over (T 50, N 16, C 28) against padded targets of
//                     12 to 20 labels, mean reduction, forward + backward (handwriting's loss)
//   conv3d            a 3x3x3 convolution 16 -> 32 of (4, 16, 16, 32, 32), padding 1, gradients
//                     for the input and the weight (a volumetric CNN's layer)
//   conv_transpose3d  a 2x2x2 transposed convolution 32 -> 16, stride 2, of (4, 32, 8, 16, 16),
//                     gradients for the input and the weight (a 3-D U-Net's up-sampling)
//   pool3d            max_pool3d(x, 2) and avg_pool3d(x, 3, 1, 1) of (4, 16, 16, 32, 32)
//   pool_ceil         GoogLeNet's pools with ceil_mode: max_pool2d(x, 3, 2) and avg_pool2d(x, 3, 2, 1)
//                     of (16, 64, 55, 55), forward + backward
//   bce_pos_weight    binary_cross_entropy_with_logits of (4096, 128) logits with a weight and a
//                     pos_weight per class, forward + backward (a multi-label head's loss)
//   lbfgs             one LBFGS step() (max_iter 20, strong Wolfe) fitting a 64-32-10 tanh MLP
//                     to 512 samples by mean squared error, from the same start each time
//   scatter_reduce    a graph network's aggregation: 65536 messages of 64 features averaged
//                     and maxed (scatter_reduce "mean" and "amax", without self) into 8192
//                     nodes, the messages' gradient
//   lstsq             16 least-squares problems (512, 32) with 4 right-hand sides, A's gradient
//   matrix_exp        exp of 32 matrices (64, 64) of 1-norm about 2.5, the gradient
//   lu                lu_factor of 16 matrices (128, 128), then lu_solve of 8 right-hand
//                     sides each; A's gradient through both
// Prints one JSON object per workload.
//   composition_steps [--threads 1] [--repeats 3]
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

#include "timing.h"

namespace {

namespace F = xg::nn::functional;
using xg::Tensor;

// Forward + backward of sum(f(x) * g) with g fixed: what one training step asks of f.
std::function<void()> fwd_bwd(const Tensor& x, const std::function<Tensor(const Tensor&)>& f) {
  const Tensor g = xg::randn(f(x.detach()).shape());
  return [=] {
    Tensor v = x.detach().requires_grad_();
    (f(v) * g).sum().backward();
  };
}

struct Workload {
  const char* name;
  int iters;
  std::function<std::function<void()>()> make;
};

std::vector<Workload> workloads() {
  return {
      {"reflect_pad", 50,
       [] { return fwd_bwd(xg::randn({4, 64, 64, 64}), [](const Tensor& x) { return xg::pad(x, {1, 1, 1, 1}, xg::kReflect); }); }},
      {"reflect_conv", 5,
       [] {
         auto conv = std::make_shared<xg::nn::Conv2d>(xg::nn::Conv2dOptions(64, 64, 3).padding(1).padding_mode(xg::kReflect));
         const Tensor x = xg::randn({4, 64, 64, 64});
         const Tensor g = xg::randn({4, 64, 64, 64});
         return std::function<void()>([=] {
           conv->zero_grad();
           Tensor v = x.detach().requires_grad_();
           ((*conv)(v) * g).sum().backward();
         });
       }},
      {"upsample", 20,
       [] {
         return fwd_bwd(xg::randn({8, 32, 32, 32}), [](const Tensor& x) {
           return F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(xg::kBilinear).align_corners(false));
         });
       }},
      {"einsum", 5,
       [] {
         const Tensor k = xg::randn({8, 8, 256, 64}).requires_grad_();
         return fwd_bwd(xg::randn({8, 8, 256, 64}), [k](const Tensor& q) { return xg::einsum("bhqd,bhkd->bhqk", {q, k}); });
       }},
      {"cumprod", 50,
       [] { return fwd_bwd(xg::rand({256, 1024}) + 0.5, [](const Tensor& x) { return xg::cumprod(x, 1); }); }},
      {"prod", 50, [] { return fwd_bwd(xg::rand({256, 1024}) + 0.5, [](const Tensor& x) { return xg::prod(x, 1); }); }},
      {"elementwise", 20,
       [] {
         const Tensor b = xg::rand({1 << 20}) + 0.5;
         return fwd_bwd(xg::randn({1 << 20}), [b](const Tensor& a) { return xg::atan2(a, b) + xg::remainder(a, 1.5) * xg::tan(b); });
       }},
      {"multinomial_char", 2000,
       [] {
         const Tensor p = xg::softmax(xg::randn({65}), 0);
         return std::function<void()>([=] { (void)xg::multinomial(p, 1); });
       }},
      {"multinomial_rows", 20,
       [] {
         const Tensor p = xg::rand({256, 1000});
         return std::function<void()>([=] { (void)xg::multinomial(p, 1, true); });
       }},
      {"inv", 20, [] { return fwd_bwd(xg::randn({64, 32, 32}) + 6.0 * xg::eye(32), [](const Tensor& a) { return xg::linalg::inv(a); }); }},
      {"solve", 20,
       [] {
         const Tensor b = xg::randn({256, 64}).requires_grad_();
         return fwd_bwd(xg::randn({256, 256}) + 16.0 * xg::eye(256), [b](const Tensor& a) { return xg::linalg::solve(a, b); });
       }},
      {"cholesky", 20,
       [] {
         const Tensor m = xg::randn({256, 256});
         return fwd_bwd(xg::matmul(m, m.transpose(0, 1)) + 256.0 * xg::eye(256), [](const Tensor& a) { return xg::linalg::cholesky(a); });
       }},
      {"eigh", 10,
       [] {
         const Tensor m = xg::randn({128, 128});
         return fwd_bwd(m + m.transpose(0, 1), [](const Tensor& a) { return xg::linalg::eigvalsh(a); });
       }},
      {"slogdet", 20,
       [] { return fwd_bwd(xg::randn({64, 32, 32}) + 6.0 * xg::eye(32), [](const Tensor& a) { return std::get<1>(xg::linalg::slogdet(a)); }); }},
      {"svd", 10, [] { return fwd_bwd(xg::randn({256, 128}), [](const Tensor& a) { return xg::linalg::svdvals(a); }); }},
      {"qr", 10,
       [] {
         return fwd_bwd(xg::randn({256, 128}), [](const Tensor& a) {
           auto [Q, R] = xg::linalg::qr(a);
           return xg::cat({Q.flatten(), R.flatten()});
         });
       }},
      {"grid_sample", 10,
       [] {
         const Tensor x = xg::randn({32, 16, 48, 48}).requires_grad_();
         const Tensor eye = xg::tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f}});
         return fwd_bwd(eye + 0.1f * xg::randn({32, 2, 3}), [x](const Tensor& theta) {
           return F::grid_sample(x, F::affine_grid(theta, {32, 16, 48, 48}, false));
         });
       }},
      {"quantile", 20,
       [] {
         const Tensor q = xg::tensor({0.1f, 0.25f, 0.5f, 0.75f, 0.9f});
         return fwd_bwd(xg::randn({256, 1024}), [q](const Tensor& x) { return xg::quantile(x, q, 1); });
       }},
      {"adaptive_max", 20,
       [] { return fwd_bwd(xg::randn({32, 64, 28, 28}), [](const Tensor& x) { return xg::adaptive_max_pool2d(x, 5); }); }},
      {"fractional_pool", 20,
       [] {
         namespace F = xg::nn::functional;
         return fwd_bwd(xg::randn({32, 64, 28, 28}), [](const Tensor& x) {
           return F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(3).output_ratio(0.5));
         });
       }},
      {"median", 20, [] { return fwd_bwd(xg::randn({256, 1024}), [](const Tensor& x) { return std::get<0>(xg::median(x, 1)); }); }},
      {"logcumsumexp", 20,
       [] { return fwd_bwd(xg::randn({256, 1024}), [](const Tensor& x) { return xg::logcumsumexp(x, 1); }); }},
      {"cummax", 20,
       [] { return fwd_bwd(xg::randn({256, 1024}), [](const Tensor& x) { return std::get<0>(xg::cummax(x, 1)); }); }},
      {"searchsorted", 20,
       [] {
         const Tensor seq = std::get<0>(xg::sort(xg::randn({4096}))), v = xg::randn({1 << 16});
         return std::function<void()>([=] { (void)xg::searchsorted(seq, v); });
       }},
      {"binary_math", 20,
       [] {
         const Tensor b = xg::rand({1 << 20}) + 0.5;
         return fwd_bwd(xg::randn({1 << 20}),
                        [b](const Tensor& a) { return xg::logaddexp(a, b) + xg::hypot(a, b) + xg::xlogy(a, b); });
       }},
      {"embedding_bag", 20,
       [] {
         std::vector<double> offsets{0};
         for (int i = 1; i < 1024; ++i) offsets.push_back(offsets.back() + 1 + (i * 7) % 31);
         const std::int64_t length = static_cast<std::int64_t>(offsets.back()) + 17;
         const Tensor idx = xg::randint(0, 20000, {length}), off = xg::tensor(offsets, {1024}, xg::kInt64);
         const auto o = F::EmbeddingBagFuncOptions().offsets(off).mode(xg::kSum);
         return fwd_bwd(xg::randn({20000, 64}), [=](const Tensor& w) { return F::embedding_bag(idx, w, o); });
       }},
      {"unique", 20,
       [] {
         const Tensor v = xg::randint(0, 5000, {1 << 18});
         return std::function<void()>([=] { (void)xg::unique(v, true, true, true); });
       }},
      {"bitwise", 20,
       [] {
         const Tensor a = xg::randint(-(1 << 30), 1 << 30, {1 << 20}), b = xg::randint(0, 1 << 20, {1 << 20});
         return std::function<void()>([=] { (void)~(((a ^ xg::bitwise_right_shift(a, 7)) & 0xFFFF) | xg::bitwise_left_shift(b, 3)); });
       }},
      {"int_divide", 20,
       [] {
         const Tensor flat = xg::randint(-(1 << 20), 1 << 30, {1 << 20}), width = xg::scalar_tensor(1000, xg::kInt64);
         return std::function<void()>([=] {
           (void)xg::div(flat, width, "floor");
           (void)(flat % 1000);
           (void)xg::fmod(flat, 977.0);
         });
       }},
      {"histc", 20,
       [] {
         const Tensor v = xg::randn({1 << 20});
         return std::function<void()>([=] { (void)xg::histc(v, 100, -3, 3); });
       }},
      {"special", 10,
       [] {
         const Tensor y = xg::rand({1 << 20}) * 1.8 - 0.9;
         return fwd_bwd(xg::rand({1 << 20}) * 5.0 + 0.1, [y](const Tensor& x) {
           return xg::lgamma(x) + xg::digamma(x) + xg::erfinv(y * x.detach() / 5.2) + xg::erfc(x);
         });
       }},
      {"addmm", 20,
       [] {
         const Tensor bias = xg::randn({512}), W = xg::randn({512, 512}), m = xg::randn({64, 64});
         const Tensor b1 = xg::randn({16, 64, 64}), b2 = xg::randn({16, 64, 64});
         return fwd_bwd(xg::randn({256, 512}), [=](const Tensor& x) {
           return xg::addmm(bias, x, W, 0.5, 2.0).sum() + xg::baddbmm(m, b1 * x.select(0, 0).slice(0, 0, 64).reshape({1, 1, 64}), b2).sum();
         });
       }},
      {"ctc", 20,
       [] {
         std::vector<double> lengths;
         for (int i = 0; i < 16; ++i) lengths.push_back(12 + i % 9);
         const Tensor targets = xg::randint(1, 28, {16, 20}), input_lengths = xg::full({16}, 50.0, xg::kInt64);
         const Tensor target_lengths = xg::tensor(lengths, {16}, xg::kInt64);
         return fwd_bwd(xg::randn({50, 16, 28}), [=](const Tensor& x) {
           return F::ctc_loss(x.log_softmax(-1), targets, input_lengths, target_lengths);
         });
       }},
      {"conv3d", 5,
       [] {
         const Tensor W = xg::randn({32, 16, 3, 3, 3}).requires_grad_(), b = xg::randn({32}).requires_grad_();
         return fwd_bwd(xg::randn({4, 16, 16, 32, 32}), [=](const Tensor& x) { return xg::conv3d(x, W, b, 1, 1); });
       }},
      {"conv_transpose3d", 5,
       [] {
         const Tensor W = xg::randn({32, 16, 2, 2, 2}).requires_grad_();
         return fwd_bwd(xg::randn({4, 32, 8, 16, 16}), [=](const Tensor& x) { return xg::conv_transpose3d(x, W, {}, 2); });
       }},
      {"pool3d", 10,
       [] {
         return fwd_bwd(xg::randn({4, 16, 16, 32, 32}), [](const Tensor& x) {
           return xg::max_pool3d(x, 2).sum() + xg::avg_pool3d(x, 3, 1, 1).sum();
         });
       }},
      {"pool_ceil", 10,
       [] {
         return fwd_bwd(xg::randn({16, 64, 55, 55}), [](const Tensor& x) {
           return xg::max_pool2d(x, 3, 2, 0, 1, true).sum() + xg::avg_pool2d(x, 3, 2, 1, true).sum();
         });
       }},
      {"bce_pos_weight", 20,
       [] {
         const Tensor t = (xg::rand({4096, 128}) > 0.9f).to(xg::kFloat32), w = xg::rand({4096, 1});
         const Tensor pw = xg::full({128}, 9.0f);
         namespace F = xg::nn::functional;
         const auto o = F::BinaryCrossEntropyWithLogitsFuncOptions().weight(w).pos_weight(pw);
         return fwd_bwd(xg::randn({4096, 128}), [=](const Tensor& x) { return F::binary_cross_entropy_with_logits(x, t, o); });
       }},
      {"lbfgs", 5,
       [] {
         const Tensor x = xg::randn({512, 64}), y = xg::randn({512, 10});
         const xg::tensor_list start{xg::randn({64, 32}) * 0.1, xg::zeros({32}), xg::randn({32, 10}) * 0.1, xg::zeros({10})};
         return std::function<void()>([=] {
           xg::tensor_list p;
           for (const Tensor& t : start) p.push_back(t.clone().requires_grad_());
           xg::optim::LBFGS opt(p, xg::optim::LBFGSOptions(1).max_iter(20).line_search_fn("strong_wolfe"));
           opt.step([&] {
             opt.zero_grad();
             auto loss = (xg::matmul(xg::tanh(xg::matmul(x, p[0]) + p[1]), p[2]) + p[3] - y).pow(2).mean();
             loss.backward();
             return loss;
           });
         });
       }},
      {"scatter_reduce", 20,
       [] {
         const Tensor idx = xg::randint(0, 8192, {65536, 1}).expand({65536, 64}), z = xg::zeros({8192, 64});
         return fwd_bwd(xg::randn({65536, 64}), [=](const Tensor& x) {
           return z.scatter_reduce(0, idx, x, "mean", false) + z.scatter_reduce(0, idx, x, "amax", false);
         });
       }},
      {"lstsq", 10,
       [] {
         const Tensor B = xg::randn({16, 512, 4});
         return fwd_bwd(xg::randn({16, 512, 32}), [=](const Tensor& A) { return std::get<0>(xg::linalg::lstsq(A, B)); });
       }},
      {"matrix_exp", 10,
       [] { return fwd_bwd(xg::randn({32, 64, 64}) * 0.05, [](const Tensor& A) { return xg::linalg::matrix_exp(A); }); }},
      {"lu", 10,
       [] {
         const Tensor B = xg::randn({16, 128, 8});
         return fwd_bwd(xg::randn({16, 128, 128}), [=](const Tensor& A) {
           const auto [LU, pivots] = xg::linalg::lu_factor(A);
           return xg::linalg::lu_solve(LU, pivots, B);
         });
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, repeats = 3;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--workload")) only = argv[i + 1];
  }
  xg::set_num_threads(threads);
  xg::manual_seed(0);
  for (const auto& w : workloads()) {
    if (!only.empty() && only != w.name) continue;
    const auto step = w.make();
    std::printf("{\"workload\": \"%s\", \"ms\": %.4f}\n", w.name, time_ms(step, w.iters, repeats));
    std::fflush(stdout);
  }
  return 0;
}
