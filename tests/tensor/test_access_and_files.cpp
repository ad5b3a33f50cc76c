// libtorch's raw access (strides, data_ptr, accessor), the one-tensor save and load, and the
// small forms of the second probe: values where they are not obvious, and the errors.
#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"

using namespace xg;
using namespace xg::test;

TEST(Strides, AreRowMajorAndCountAnEmptyAxisAsOne) {
  EXPECT_EQ(zeros({2, 3, 4}).strides(), (std::vector<std::int64_t>{12, 4, 1}));
  EXPECT_EQ(zeros({2, 0, 3}).strides(), (std::vector<std::int64_t>{3, 3, 1}));  // PyTorch's (3, 3, 1)
  EXPECT_EQ(zeros({}).strides(), (std::vector<std::int64_t>{}));
  EXPECT_EQ(zeros({2, 3, 4}).stride(-2), 4);
  EXPECT_XG_ERROR(zeros({}).stride(0), "stride: a 0-d tensor has no axes");
  EXPECT_XG_ERROR(zeros({2, 3}).stride(2), "stride", "2");
}

TEST(Accessor, ReadsWritesAndChecksEveryIndex) {
  Tensor x = arange(24.0, kFloat64).reshape({2, 3, 4});
  auto a = x.accessor<double, 3>();
  EXPECT_EQ(a[1][2][3], 23.0);
  EXPECT_EQ(a[0][1][0], 4.0);
  auto row = x.accessor<double, 3>()[1][0];  // from a temporary: owns its sizes
  row[2] = -1.0;
  EXPECT_EQ(x.index({1, 0, 2}).item(), -1.0);
  EXPECT_EQ(row.size(0), 4);
  EXPECT_XG_ERROR(a[2], "accessor: index 2 is out of bounds for axis 0 of size 2");
  EXPECT_XG_ERROR(a[1][3], "accessor: index 3 is out of bounds for axis 1 of size 3");
  EXPECT_XG_ERROR(a[0][0][-1], "accessor: index -1 is out of bounds for axis 2 of size 4");
  EXPECT_XG_ERROR((x.accessor<double, 2>()), "accessor: expected a 2-d tensor, got 3-d (2,3,4)");
  EXPECT_XG_ERROR((x.accessor<float, 3>()), "data<float32>: the tensor's dtype is float64");
  EXPECT_XG_ERROR((Tensor().accessor<float, 1>()), "accessor: the tensor is undefined");
  EXPECT_XG_ERROR(x.data_ptr<std::int64_t>(), "data<int64>: the tensor's dtype is float64");
}

TEST(TensorFiles, SaveAndLoadRoundTripAndRefuseWhatTheyCannotRead) {
  const std::string path = ::testing::TempDir() + "xgrad_one_tensor.npz";
  const Tensor x = tensor({{1.5, -2.0}, {3.0, 4.25}}, kFloat64);
  save(x, path);
  Tensor back;
  load(back, path);
  EXPECT_EQ(back.dtype(), kFloat64);
  EXPECT_EQ(back.shape(), (Shape{2, 2}));
  EXPECT_EQ(back.to_vector<double>(), x.to_vector<double>());
  // numpy.savez's positional names.
  const auto named = load_npz(path);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].first, "arr_0");
  const tensor_list two{tensor({1, 2}, kInt64), zeros({0, 3})};
  save(two, path);
  EXPECT_XG_ERROR(load(back, path), "load: ", path, "holds 2 arrays; a tensor loads from a file of exactly one");
  EXPECT_EQ(back.to_vector<double>(), x.to_vector<double>());  // unchanged
  tensor_list list{ones({1})};
  load(list, path);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(list[1].shape(), (Shape{0, 3}));
  EXPECT_XG_ERROR(save(tensor_list{ones({1}), Tensor()}, path), "save: tensor 1 is undefined");
  EXPECT_XG_ERROR(save(Tensor(), path), "save: tensor 0 is undefined");
  EXPECT_XG_ERROR(load(back, path + ".missing"), "load", ".missing");
}

TEST(SecondProbeForms, TransposesSumsInDtypeAndIdentities) {
  const Tensor b = arange(24.0, kFloat64).reshape({2, 3, 4});
  EXPECT_EQ(b.mT().shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(b.mT().index({1, 3, 2}).item(), b.index({1, 2, 3}).item());
  EXPECT_XG_ERROR(arange(3.0).mT(), "mT: expects a tensor of at least 2 dimensions, got 1-d (3,)");
  EXPECT_XG_ERROR(b.H(), "H: expects a 0-d or 2-d tensor, got 3-d (2,3,4); use mH() for batches");
  // A float32 sum in float64 keeps what float32 would round away.
  const Tensor big = tensor({16777216.0f, 1.0f, 1.0f});
  EXPECT_EQ(big.sum(kFloat64).item(), 16777218.0);
  EXPECT_EQ(big.sum({0}, true, kFloat64).shape(), (Shape{1}));
  EXPECT_EQ(tensor({1, 2}, kInt64).mean(kFloat32).dtype(), kFloat32);
  EXPECT_EQ(tensor({{1, 2}, {3, 5}}, kInt64).mean({0}, false, kFloat64).to_vector<double>(), (std::vector<double>{2, 3.5}));
  EXPECT_EQ(eye(2, 3, kFloat64).to_vector<double>(), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(3, 1, kInt64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(eye(0, 2).shape(), (Shape{0, 2}));
  EXPECT_XG_ERROR(eye(2, -1), "eye: n and m must be non-negative, got 2 and -1");
  EXPECT_XG_ERROR(randint(0, {2}), "randint: empty range [0, 0)");
  manual_seed(3);
  const Tensor r = randint_like(zeros({1000}, kFloat64), 2, 5);
  EXPECT_EQ(r.dtype(), kFloat64);
  EXPECT_EQ(r.min().item(), 2.0);
  EXPECT_EQ(r.max().item(), 4.0);
  // where(cond): one coordinate tensor per axis.
  const auto w = where(tensor({{0, 3}, {1, 0}}, kInt64));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(w[1].to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));
  // to(dtype, non_blocking, copy): a new tensor only with copy.
  const Tensor x = ones({2});
  EXPECT_TRUE(x.to(kFloat32, false, false).is_same(x));
  Tensor c = x.to(kFloat32, true, true);
  c.add_(1.0);
  EXPECT_EQ(x.sum().item(), 2.0);
}

TEST(SecondProbeForms, ApplyVisitsEveryModuleOnceSelfFirst) {
  nn::Sequential net;
  net.emplace<nn::Linear>(2, 3);
  net.emplace<nn::Tanh>();
  net.emplace<nn::Linear>(3, 1);
  std::vector<std::string> seen;
  net.apply([&](nn::Module& m) { seen.push_back(m.type_name()); });
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen, (std::vector<std::string>{"Sequential", "Linear", "Tanh", "Linear"}));
  const auto children = net.named_children();
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[2].key(), "2");
  EXPECT_EQ(children[2].value(), net.modules()[3]);
}
