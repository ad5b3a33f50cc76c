// Writes into what libtorch returns as views (select, slice, narrow, permute, transpose,
// diagonal, split and chunk, basic indexing), which are copies in xgrad: an in-place write
// into one reaches the tensor it was taken from, also when recorded (gradients as libtorch's).
#include <vector>

#include <xgrad/gradcheck.h>
#include <xgrad/indexing.h>

#include "test_util.h"

using namespace xg;
using namespace xg::test;
using xg::indexing::None;
using xg::indexing::Slice;

namespace {

// A 3x4 float64 tensor holding 0..11, and the same values as a row-major vector to model
// the expected writes by hand.
Tensor counting() { return arange(0.0, 12.0, 1.0, kFloat64).reshape({3, 4}); }

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

}  // namespace

TEST(ViewWrites, WritesIntoViewsReachTheBase) {
  Tensor x = counting();
  std::vector<double> m = values(x);
  const auto at = [&](int i, int j) -> double& { return m[static_cast<std::size_t>(i * 4 + j)]; };

  x[0].fill_(1.0);
  for (int j = 0; j < 4; ++j) at(0, j) = 1;
  EXPECT_EQ(values(x), m);

  x.select(1, 2).copy_(tensor({7.0, 8.0, 9.0}, kFloat64));
  at(0, 2) = 7, at(1, 2) = 8, at(2, 2) = 9;
  EXPECT_EQ(values(x), m);

  x.narrow(0, 1, 2).mul_(2.0);
  for (int i = 1; i < 3; ++i)
    for (int j = 0; j < 4; ++j) at(i, j) *= 2;
  EXPECT_EQ(values(x), m);

  x.slice(1, 0, 4, 2).zero_();  // a strided slice: columns 0 and 2
  for (int i = 0; i < 3; ++i) at(i, 0) = at(i, 2) = 0;
  EXPECT_EQ(values(x), m);

  x.t().add_(1.0);
  for (double& v : m) v += 1;
  EXPECT_EQ(values(x), m);

  x.diagonal(1).fill_(-1.0);
  at(0, 1) = at(1, 2) = at(2, 3) = -1;
  EXPECT_EQ(values(x), m);

  auto halves = x.chunk(2, 1);
  halves[1].neg_();
  for (int i = 0; i < 3; ++i) at(i, 2) = -at(i, 2), at(i, 3) = -at(i, 3);
  EXPECT_EQ(values(x), m);

  x.index({Slice(1, None), 0}).fill_(5.0);
  at(1, 0) = at(2, 0) = 5;
  EXPECT_EQ(values(x), m);

  x[1][2] = 3.5;  // libtorch's assignment into an element
  at(1, 2) = 3.5;
  x.index({2}) = tensor({10.0, 11.0, 12.0, 13.0}, kFloat64);
  for (int j = 0; j < 4; ++j) at(2, j) = 10 + j;
  EXPECT_EQ(values(x), m);

  x.permute({1, 0}).index_fill_(1, tensor({2}, kInt64), 0.5);  // the base's row 2
  for (int j = 0; j < 4; ++j) at(2, j) = 0.5;
  EXPECT_EQ(values(x), m);

  // A handle rebinds as before: assigning to a variable is not a write.
  Tensor row = x[0];
  row = zeros({4}, kFloat64);
  EXPECT_EQ(values(x), m);
}

TEST(ViewWrites, AViewSeesTheBasesWritesWhenItIsWritten) {
  Tensor x = counting();
  Tensor row = x[0];
  x.fill_(2.0);
  row.add_(1.0);  // taken again from x first, as libtorch's view would read 2
  EXPECT_EQ(values(row), (std::vector<double>{3, 3, 3, 3}));
  EXPECT_EQ(values(x[0]), (std::vector<double>{3, 3, 3, 3}));
  EXPECT_EQ(values(x[1]), (std::vector<double>{2, 2, 2, 2}));
  // Siblings: each write reaches x, neither undoes the other.
  auto parts = x.unbind(0);
  parts[0].fill_(7.0);
  parts[2].fill_(9.0);
  EXPECT_EQ(values(x), (std::vector<double>{7, 7, 7, 7, 2, 2, 2, 2, 9, 9, 9, 9}));
  // A view of a view writes into the first one's base, with the intermediate handle gone.
  Tensor cell = x[1].narrow(0, 1, 2);
  cell.fill_(-4.0);
  EXPECT_EQ(values(x[1]), (std::vector<double>{2, -4, -4, 2}));
  // The base's handle gone, its bytes held by a reshape: written there.
  Tensor flat, col;
  {
    Tensor base = counting();
    flat = base.view({12});
    col = base.select(1, 3);
  }
  col.zero_();
  EXPECT_EQ(values(flat), (std::vector<double>{0, 1, 2, 0, 4, 5, 6, 0, 8, 9, 10, 0}));
  // A view that is current is not taken again (one version step per write).
  Tensor r = x[2];
  r.add_(1.0);
  const auto after_first = r.version();
  r.add_(1.0);
  EXPECT_EQ(r.version(), after_first + 1);
  EXPECT_EQ(values(x[2]), (std::vector<double>{11, 11, 11, 11}));
  // Nobody holds the base: the copy is an ordinary tensor.
  Tensor orphan = counting()[2];
  orphan.mul_(2.0);
  EXPECT_EQ(values(orphan), (std::vector<double>{16, 18, 20, 22}));
}

TEST(ViewWrites, RecordedWritesGiveTheGradientsOfTheOutOfPlaceForm) {
  const auto with_views = [](const tensor_list& in) {
    const Tensor& x = in[0];
    Tensor h = x * 2.0;
    h[0].sin_();
    h.narrow(1, 1, 2).mul_(x.narrow(1, 0, 2));
    h.t()[2].add_(0.5);
    Tensor out = zeros({2, 3}, kFloat64);
    out[1] = h[2];  // a buffer filled through its views
    out.select(0, 0).copy_(h.sum(0));
    return out * h.narrow(0, 0, 2);
  };
  const auto out_of_place = [](const tensor_list& in) {
    const Tensor& x = in[0];
    Tensor h = x * 2.0;
    h = concat({sin(h.narrow(0, 0, 1)), h.narrow(0, 1, 2)}, 0);
    h = concat({h.narrow(1, 0, 1), h.narrow(1, 1, 2) * x.narrow(1, 0, 2)}, 1);
    h = concat({h.narrow(1, 0, 2), h.narrow(1, 2, 1) + 0.5}, 1);
    const Tensor out = stack({h.sum(0), h[2]}, 0);
    return out * h.narrow(0, 0, 2);
  };
  const Tensor x = tensor({{0.3, -0.8, 1.2}, {0.5, 0.9, -0.4}, {-1.1, 0.7, 0.2}}, kFloat64);
  const Tensor a = x.detach().requires_grad_(), b = x.detach().requires_grad_();
  const Tensor ya = with_views({a}), yb = out_of_place({b});
  EXPECT_LT(max_abs_diff(ya, yb), 1e-15);
  const Tensor gy = tensor({{1.0, -0.5, 2.0}, {0.3, 0.8, -1.2}}, kFloat64);
  ya.backward(gy);
  yb.backward(gy);
  EXPECT_LT(max_abs_diff(a.grad(), b.grad()), 1e-14);
  EXPECT_GT(max_abs_diff(a.grad(), zeros({3, 3}, kFloat64)), 0.1);
  EXPECT_TRUE(gradcheck(with_views, {x.detach().requires_grad_()}));
  EXPECT_TRUE(gradgradcheck(with_views, {x.detach().requires_grad_()}));
}

TEST(ViewWrites, RefusesWhatLibtorchRefuses) {
  const Tensor w = tensor({{0.5, -0.5}, {1.5, 2.0}}, kFloat64).requires_grad_();
  EXPECT_XG_ERROR(w[0].fill_(0.0), "fill_: in-place operation on a view (select) of a leaf tensor of shape (2,2) that requires grad",
                  "NoGradGuard");
  EXPECT_XG_ERROR(w.t().mul_(2.0), "mul_: in-place operation on a view (permute) of a leaf tensor");
  EXPECT_EQ(values(w), (std::vector<double>{0.5, -0.5, 1.5, 2.0}));  // nothing was written
  {
    NoGradGuard guard;  // initialisation: an embedding's padding row, a bias's slice
    w[1].zero_();
    w.select(1, 0).fill_(3.0);
  }
  EXPECT_EQ(values(w), (std::vector<double>{3.0, -0.5, 3.0, 0.0}));
  EXPECT_TRUE(w.is_leaf());
  // Expanded elements share memory in libtorch: writing them is refused there and here.
  Tensor x = zeros({3}, kFloat64);
  EXPECT_XG_ERROR(x.expand({2, 3}).fill_(1.0), "fill_: this tensor of shape (2,3) was made by expand",
                  "clone() it first");
  EXPECT_XG_ERROR(x.expand({2, 3})[0].add_(1.0), "add_: ", "made by expand");
  Tensor c = x.expand({2, 3}).clone();
  c.fill_(1.0);  // a clone is its own tensor
  EXPECT_EQ(values(x), (std::vector<double>{0, 0, 0}));
  // Recording, the base must own its storage (its history is rebased).
  Tensor h = w * 2.0;
  const Tensor alias = h.view({4});
  EXPECT_XG_ERROR(h[0].relu_(), "relu_: in-place operation on a view (select) of a tensor of shape (2,2) whose storage another tensor shares");
}

TEST(ViewWrites, AViewTakenAgainWhileRecordingFollowsTheBasesNewHistory) {
  const Tensor w = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).requires_grad_();
  Tensor h = w.reshape({2, 2}) * 1.0;
  Tensor v = h[0];  // select of h's old values
  h.mul_(3.0);      // recorded: h is now 3 w
  v.add_(1.0);      // v is taken again from h first: 3 w[0:2] + 1, written back into h
  EXPECT_EQ(values(h), (std::vector<double>{4, 7, 9, 12}));
  v.sum().backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{3, 3, 0, 0}));
}
