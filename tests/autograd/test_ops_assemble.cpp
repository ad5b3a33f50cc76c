// meshgrid, broadcast_tensors, tensor_split, block_diag, cartesian_prod, tril_indices,
// triu_indices, rot90, swapaxes, take_along_dim, index_fill, aminmax and count_nonzero against
// PyTorch 1.13 in float64 (tests/fixtures/torch_special.npz from
// scripts/make_special_fixtures.py): values, shapes and gradients (plain and create_graph),
// gradchecks, gradgradchecks and errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_special.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

Tensor flat_pieces(const tensor_list& pieces) {
  tensor_list flat;
  for (const auto& p : pieces) flat.push_back(p.flatten());
  return concat(flat, 0);
}

struct Case {
  const char* name;
  std::size_t inputs;     // the differentiable ones, first
  std::size_t int_inputs; // int64 inputs after them (indices), not differentiated
  std::function<Tensor(L, L)> f;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"meshgrid_ij", 3, 0, [](L v, L) { return stack(meshgrid(v, "ij"), 0); }},
      {"meshgrid_xy", 3, 0, [](L v, L) { return stack(meshgrid(v, "xy"), 0); }},
      {"broadcast_tensors", 3, 0, [](L v, L) { return stack(broadcast_tensors(v), 0); }},
      {"tensor_split3", 1, 0, [](L v, L) { return flat_pieces(tensor_split(v[0], 3, 1)); }},
      {"tensor_split_idx", 1, 0, [](L v, L) { return flat_pieces(v[0].tensor_split({2, -2, 9, 1}, 1)); }},
      {"block_diag", 4, 0, [](L v, L) { return block_diag(v); }},
      {"cartesian_prod", 3, 0, [](L v, L) { return cartesian_prod(v); }},
      {"rot90_1", 1, 0, [](L v, L) { return v[0].rot90(); }},
      {"rot90_2", 1, 0, [](L v, L) { return rot90(v[0], 2); }},
      {"rot90_3", 1, 0, [](L v, L) { return rot90(v[0], 3, {0, 1}); }},
      {"rot90_m1", 1, 0, [](L v, L) { return rot90(v[0], -1); }},
      {"rot90_4", 1, 0, [](L v, L) { return rot90(v[0], 4); }},
      {"rot90_dims12", 1, 0, [](L v, L) { return rot90(v[0], 1, {2, 1}); }},
      {"take_along_dim", 1, 1, [](L v, L i) { return take_along_dim(v[0], i[0], 1); }},
      {"take_along_dim_bcast", 1, 1, [](L v, L i) { return v[0].take_along_dim(i[0], 1); }},
      {"take_along_dim_flat", 1, 1, [](L v, L i) { return take_along_dim(v[0], i[0]); }},
      {"index_fill_d1", 1, 1, [](L v, L i) { return index_fill(v[0], 1, i[0], -1.5); }},
      {"index_fill_d0", 1, 1, [](L v, L i) { return v[0].index_fill(0, i[0], 7.0); }},
      {"aminmax_d1", 1, 0, [](L v, L) { auto [lo, hi] = v[0].aminmax(1); return stack({lo, hi}, 0); }},
      {"aminmax_all", 1, 0, [](L v, L) { auto [lo, hi] = aminmax(v[0]); return stack({lo, hi}, 0); }},
  };
  return all;
}

tensor_list int_inputs(const Case& c) { return xg::test::fixture_ints(kFile, c.name, c.inputs, c.int_inputs); }
}  // namespace

TEST(AssembleOps, MatchPyTorchWithGradients) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in, int_inputs(c)), in, 1e-14, 1e-14);
  }
  // aminmax's values are PyTorch's own aminmax's (its 1.13 has no derivative; amin's and
  // amax's gradients, shared among ties, are PyTorch 2's).
  const auto [lo, hi] = aminmax(fixture("aminmax_d1.in0"), 1);
  EXPECT_EQ(max_abs_diff(stack({lo, hi}, 0), fixture("aminmax_d1.torch")), 0);
}

TEST(AssembleOps, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    if (std::string(c.name).rfind("aminmax", 0) == 0) continue;  // ties: a kink, checked below without
    const auto ints = int_inputs(c);
    const auto f = [&](L v) { return c.f(v, ints); };
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
  xg::manual_seed(3);
  const auto r = xg::test::randp({3, 5});
  EXPECT_TRUE(gradcheck_ok([](L v) { auto [lo, hi] = aminmax(v[0], 0, true); return lo * hi; }, {r}));
}

TEST(AssembleOps, ShapesIndicesAndCountsArePyTorchs) {
  const Tensor x = xg::randn({3, 7}, kFloat64);
  std::vector<std::int64_t> sizes;
  for (const auto& p : x.tensor_split(3, 1)) sizes.push_back(p.shape()[1]);
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{3, 2, 2}));
  sizes.clear();
  for (const auto& p : tensor_split(x, {2, -2, 9, 1}, 1)) sizes.push_back(p.shape()[1]);
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{2, 3, 2, 0, 6}));
  EXPECT_EQ(tensor_split(x, 5, 0).size(), 5u);  // more sections than rows: empty pieces
  for (const char* key : {"tril_indices_4_5_1", "triu_indices_4_3_m1", "tril_indices_3_3_m5"}) {
    SCOPED_TRACE(key);
    const std::string k = key;
    const Tensor got = k == "tril_indices_4_5_1"    ? tril_indices(4, 5, 1)
                       : k == "triu_indices_4_3_m1" ? triu_indices(4, 3, -1)
                                                    : tril_indices(3, 3, -5);
    const Tensor want = fixture(key);
    EXPECT_EQ(got.dtype(), kInt64);
    ASSERT_EQ(got.shape(), want.shape());
    EXPECT_EQ(got.to_vector<std::int64_t>(), want.to_vector<std::int64_t>());
  }
  const Tensor counted = fixture("count_nonzero.in0");
  EXPECT_EQ(count_nonzero(counted).to_vector<std::int64_t>(), fixture("count_nonzero.all").to_vector<std::int64_t>());
  EXPECT_EQ(counted.count_nonzero(1).to_vector<std::int64_t>(), fixture("count_nonzero.d1").to_vector<std::int64_t>());
  EXPECT_EQ(count_nonzero(counted, {0, 1}).dim(), 0);
  EXPECT_EQ(count_nonzero(counted).dtype(), kInt64);
  EXPECT_EQ(swapaxes(x, 0, 1).shape(), (Shape{7, 3}));
  EXPECT_EQ(max_abs_diff(x.swapdims(1, 0), x.t()), 0);
  EXPECT_EQ(block_diag({}).shape(), (Shape{1, 0}));  // PyTorch's shape for no blocks
  EXPECT_EQ(block_diag({xg::ones({2}, kInt64), xg::ones({1}, kFloat32)}).dtype(), kFloat32);
  EXPECT_EQ(cartesian_prod({xg::arange(3.0)}).shape(), (Shape{3}));
  const auto grids = meshgrid({xg::arange(2.0), xg::scalar_tensor(5.0)}, "xy");
  EXPECT_EQ(grids[0].shape(), (Shape{1, 2}));
}

TEST(AssembleOps, ErrorsNameTheCall) {
  const auto x = xg::randn({3, 4}, kFloat64);
  EXPECT_XG_ERROR(meshgrid({x}, "ji"), "meshgrid: indexing must be \"ij\" or \"xy\", got \"ji\"");
  EXPECT_XG_ERROR(meshgrid({}, "ij"), "meshgrid: expects a non-empty list of tensors");
  EXPECT_XG_ERROR(meshgrid({xg::zeros({2}), x}, "ij"), "meshgrid: expects 0-d or 1-d tensors, tensor 1 is (3,4)");
  EXPECT_XG_ERROR(broadcast_tensors({x, xg::zeros({3})}), "broadcast_tensors:", "(3,4)", "(3,)");
  EXPECT_XG_ERROR(tensor_split(x, 0), "tensor_split: the number of sections must be positive, got 0");
  EXPECT_XG_ERROR(tensor_split(xg::scalar_tensor(1.0), 2), "tensor_split: expects at least a 1-d tensor");
  EXPECT_XG_ERROR(tensor_split(x, 2, 2), "tensor_split:", "2");
  EXPECT_XG_ERROR(block_diag({xg::zeros({1, 2, 3})}), "block_diag: expects 0-d, 1-d or 2-d tensors, tensor 0 is (1,2,3)");
  EXPECT_XG_ERROR(cartesian_prod({x}), "cartesian_prod: expects 1-d tensors, tensor 0 is (3,4)");
  EXPECT_XG_ERROR(tril_indices(-1, 3), "tril_indices: row and col must be non-negative, got -1 and 3");
  EXPECT_XG_ERROR(triu_indices(1 << 30, 1 << 30), "triu_indices:");
  EXPECT_XG_ERROR(rot90(x, 1, {0}), "rot90: expects two dims, got 1");
  EXPECT_XG_ERROR(rot90(x, 1, {1, -1}), "rot90: the two dims must differ, got 1 and -1");
  EXPECT_XG_ERROR(rot90(xg::zeros({3}), 1), "rot90: expects a tensor of at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(take_along_dim(x, xg::zeros({3, 1}), 1), "take_along_dim: indices must be int64, got float32");
  EXPECT_XG_ERROR(take_along_dim(x, xg::zeros({3}, kInt64), 0), "take_along_dim: input (3,4) and indices (3,) must have the same rank");
  EXPECT_XG_ERROR(take_along_dim(x, xg::full({3, 1}, 4.0, kInt64), 1), "take_along_dim", "4");
  EXPECT_XG_ERROR(index_fill(x, 1, xg::tensor({4.0}, kInt64), 0.0), "index_fill", "4");
  EXPECT_XG_ERROR(index_fill(x, 1, xg::zeros({1, 1}, kInt64), 0.0), "index_fill: index must be 0-d or 1-d, got (1,1)");
  EXPECT_XG_ERROR(aminmax(xg::zeros({0, 3})), "aminmax: the input (0,3) is empty");
}
