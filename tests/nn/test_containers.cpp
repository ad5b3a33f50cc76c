// libtorch's containers (ModuleDict, ParameterList, ParameterDict), Embedding and
// EmbeddingBag::from_pretrained, parameters_to_vector and vector_to_parameters: what they
// register (names, order, requires_grad), that optimizers and save/load see it, values,
// gradients and errors.
#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;

namespace {
std::vector<std::string> names(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}
std::string temp_path(const std::string& name) { return ::testing::TempDir() + "xgrad_containers_" + name; }
}  // namespace

TEST(EmbeddingFromPretrained, SharesTheTableFreezesByDefaultAndKeepsThePaddingRow) {
  const Tensor vectors = xg::arange(0.0, 12.0, 1.0, kFloat64).reshape({4, 3});
  auto emb = nn::Embedding::from_pretrained(vectors);
  EXPECT_FALSE(emb.W.requires_grad());
  ASSERT_EQ(emb.parameters().size(), 1u);  // a frozen table is still a parameter, as libtorch's
  const Tensor idx = xg::tensor({{2.0, 0.0}}, kInt64);
  EXPECT_TRUE(xg::test::values_near(emb(idx), {6, 7, 8, 0, 1, 2}));
  {
    NoGradGuard no_grad;
    emb.W.add_(1.0);  // the same storage as PyTorch's Parameter(embeddings)
  }
  EXPECT_EQ(vectors.at({0, 0}), 1.0);

  // Trainable, with a padding row that keeps its values and never learns.
  const Tensor table = xg::randn({5, 2}, kFloat64);
  auto tuned = nn::Embedding::from_pretrained(table, nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(-1));
  EXPECT_TRUE(tuned.W.requires_grad());
  EXPECT_EQ(tuned.padding_idx(), 4);
  EXPECT_EQ(max_abs_diff(tuned.W.select(0, 4), table.select(0, 4)), 0);  // not zeroed
  const Tensor before = table.clone();
  optim::SGD sgd(tuned.parameters(), 0.5);
  (tuned(xg::tensor({1.0, 4.0, 1.0}, kInt64)) * 2.0).sum().backward();
  EXPECT_TRUE(xg::test::values_near(tuned.W.grad().select(0, 1), {4, 4}));
  EXPECT_TRUE(xg::test::values_near(tuned.W.grad().select(0, 4), {0, 0}));
  sgd.step();
  EXPECT_LT(max_abs_diff(table.select(0, 1), before.select(0, 1) - 2.0), 1e-15);
  EXPECT_EQ(max_abs_diff(table.select(0, 4), before.select(0, 4)), 0);

  EXPECT_XG_ERROR(nn::Embedding::from_pretrained(xg::zeros({4})),
                  "Embedding::from_pretrained: expected 2-D embeddings (num_embeddings, embedding_dim), got (4,)");
  EXPECT_XG_ERROR(nn::Embedding::from_pretrained(xg::zeros({4, 2}, kInt64)), "Embedding::from_pretrained: expected float embeddings, got int64");
  EXPECT_XG_ERROR(nn::Embedding::from_pretrained(xg::zeros({4, 2}), nn::EmbeddingFromPretrainedOptions().padding_idx(4)),
                  "Embedding::from_pretrained: padding_idx 4 is out of range for 4 embeddings");
}

TEST(EmbeddingFromPretrained, EmbeddingBagToo) {
  const Tensor vectors = xg::randn({6, 3}, kFloat64);
  auto bag = nn::EmbeddingBag::from_pretrained(vectors, nn::EmbeddingBagFromPretrainedOptions().mode(kSum).freeze(false));
  EXPECT_TRUE(bag.W.requires_grad());
  const Tensor input = xg::tensor({{1.0, 5.0}, {0.0, 0.0}}, kInt64);
  const Tensor y = bag(input);
  EXPECT_LT(max_abs_diff(y.select(0, 0), vectors.select(0, 1) + vectors.select(0, 5)), 1e-15);
  EXPECT_LT(max_abs_diff(y.select(0, 1), vectors.select(0, 0) * 2.0), 1e-15);
  y.sum().backward();
  EXPECT_TRUE(xg::test::values_near(bag.W.grad().select(0, 0), {2, 2, 2}));
  EXPECT_FALSE(nn::EmbeddingBag::from_pretrained(vectors).W.requires_grad());
  EXPECT_XG_ERROR(nn::EmbeddingBag::from_pretrained(xg::zeros({2, 3, 4})), "EmbeddingBag::from_pretrained: expected 2-D embeddings");
}

TEST(ModuleDict, RegistersInOrderReplacesInPlaceAndPops) {
  nn::ModuleDict heads({{"cls", std::make_shared<nn::Linear>(4, 3)}, {"box", std::make_shared<nn::Linear>(4, 2)}});
  EXPECT_EQ(heads.keys(), (std::vector<std::string>{"cls", "box"}));
  EXPECT_EQ(names(heads.named_parameters()), (std::vector<std::string>{"cls.W", "cls.b", "box.W", "box.b"}));
  const Tensor x = xg::randn({2, 4});
  EXPECT_EQ(heads["box"](x).shape(), (Shape{2, 2}));
  EXPECT_EQ(heads.at<nn::Linear>("cls").W.shape(), (Shape{4, 3}));
  // Replacing keeps the position; the new module's parameters are the ones seen.
  auto wider = std::make_shared<nn::Linear>(4, 5);
  heads.insert("cls", wider);
  EXPECT_EQ(heads.keys(), (std::vector<std::string>{"cls", "box"}));
  EXPECT_EQ(heads.parameters()[0].shape(), (Shape{4, 5}));
  EXPECT_EQ(heads.parameters()[0].impl(), wider->W.impl());
  heads.update({{"aux", std::make_shared<nn::ReLU>()}});
  EXPECT_TRUE(heads.contains("aux"));
  const auto box = heads.pop("box");
  EXPECT_EQ(names(heads.named_parameters()), (std::vector<std::string>{"cls.W", "cls.b"}));
  EXPECT_EQ(box->parameters().size(), 2u);
  // An optimizer over the dictionary trains what it holds.
  optim::SGD sgd(heads.parameters(), 0.1);
  const Tensor w0 = wider->W.clone();
  heads["cls"](x).sum().backward();
  sgd.step();
  EXPECT_GT(max_abs_diff(wider->W, w0), 0);
  EXPECT_XG_ERROR(heads["box"], "ModuleDict: no entry 'box' (keys: ['cls', 'aux'])");
  EXPECT_XG_ERROR(heads.at<nn::Linear>("aux"), "ModuleDict: the module under 'aux' is a ReLU, not the type asked for");
  EXPECT_XG_ERROR(heads(x), "ModuleDict: a container has no forward");
  EXPECT_XG_ERROR(heads.unregister_module("box"), "unregister_module: no module 'box' is registered");
  heads.clear();
  EXPECT_TRUE(heads.empty());
  EXPECT_TRUE(heads.parameters().empty());
}

TEST(ParameterContainers, KeepRequiresGradSaveLoadAndReplace) {
  nn::ParameterList list;
  list.append(xg::ones({3}).requires_grad_());
  list.append(xg::zeros({2}));  // held and saved, not trained (libtorch's rule)
  EXPECT_EQ(names(list.named_parameters()), (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(list[0].requires_grad());
  EXPECT_FALSE(list[1].requires_grad());
  EXPECT_XG_ERROR(list[2], "ParameterList: index 2 is out of range for 2 parameters");
  EXPECT_XG_ERROR(list(xg::ones({1})), "ParameterList: a container has no forward");

  nn::ParameterDict dict({{"scale", xg::ones({2}).requires_grad_()}, {"shift", xg::zeros({2}).requires_grad_()}});
  dict.insert("temperature", xg::full({1}, 2.0).requires_grad_());
  const Tensor scale = xg::full({2}, 3.0).requires_grad_();
  dict.insert("scale", scale);  // replaced in place
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"scale", "shift", "temperature"}));
  EXPECT_EQ(dict.parameters()[0].impl(), scale.impl());
  EXPECT_EQ(dict.pop("shift").shape(), (Shape{2}));
  EXPECT_EQ(names(dict.named_parameters()), (std::vector<std::string>{"scale", "temperature"}));
  EXPECT_XG_ERROR(dict["shift"], "ParameterDict: no entry 'shift' (keys: ['scale', 'temperature'])");
  // Saved and loaded by name.
  const std::string path = temp_path("dict.npz");
  xg::save(dict, path);
  nn::ParameterDict other({{"scale", xg::zeros({2}).requires_grad_()}, {"temperature", xg::zeros({1}).requires_grad_()}});
  xg::load(other, path);
  EXPECT_TRUE(xg::test::values_near(other["scale"], {3, 3}));
  EXPECT_TRUE(xg::test::values_near(other.get("temperature"), {2}));
  dict.clear();
  EXPECT_TRUE(dict.parameters().empty());
}

TEST(ParametersToVector, FlattensDifferentiablyAndWritesBack) {
  nn::Linear fc(3, 2, true);
  const tensor_list params = fc.parameters();
  const Tensor v = nn::utils::parameters_to_vector(params);
  ASSERT_EQ(v.shape(), (Shape{8}));
  EXPECT_EQ(max_abs_diff(v.slice(0, 0, 6), fc.W.reshape({6})), 0);
  EXPECT_EQ(max_abs_diff(v.slice(0, 6, 8), fc.b), 0);
  // Differentiable: the gradient reaches each parameter's elements.
  const Tensor weights = xg::arange(1.0, 9.0, 1.0);
  (v * weights).sum().backward();
  EXPECT_TRUE(xg::test::values_near(fc.W.grad().reshape({6}), {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(xg::test::values_near(fc.b.grad(), {7, 8}));
  // Back, in place: the handles (and an optimizer's) stay.
  const Tensor W = fc.W;
  nn::utils::vector_to_parameters(xg::arange(0.0, 8.0, 1.0), params);
  EXPECT_EQ(W.impl(), fc.W.impl());
  EXPECT_TRUE(xg::test::values_near(fc.W.reshape({6}), {0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(xg::test::values_near(fc.b, {6, 7}));
  EXPECT_XG_ERROR(nn::utils::vector_to_parameters(xg::zeros({7}), params),
                  "vector_to_parameters: the vector has 7 elements, the 2 parameters hold 8");
  EXPECT_XG_ERROR(nn::utils::vector_to_parameters(xg::zeros({2, 4}), params), "vector_to_parameters: expected a 1-D vector, got (2,4)");
  EXPECT_XG_ERROR(nn::utils::parameters_to_vector({fc.W, xg::zeros({2}, kFloat64)}),
                  "parameters_to_vector: expected every parameter of one dtype, got float32 (parameter 0) and float64 (parameter 1)");
}
