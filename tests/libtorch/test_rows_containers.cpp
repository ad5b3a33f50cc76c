// Rows of docs/libtorch.md for the containers, pretrained embeddings, the parameter vector and
// the random layers, compiled and run: each block, marked `// row:` with the row's libtorch
// cell (scripts/check_libtorch_doc.py keeps the markers and the doc's rows equal), writes the
// row's xgrad spelling and checks that it means what the row says.
#include <gtest/gtest.h>

#include <memory>

#include <xgrad/xgrad.h>

TEST(LibtorchRows, ContainersAndPretrained) {
  namespace nn = xg::nn;
  {
    // row: `torch::nn::Embedding::from_pretrained(weights, torch::nn::EmbeddingFromPretrainedOptions().freeze(false))`, `torch::nn::EmbeddingBag::from_pretrained(weights)`
    const auto weights = xg::randn({10, 4});
    auto emb = nn::Embedding::from_pretrained(weights, nn::EmbeddingFromPretrainedOptions().freeze(false));
    EXPECT_TRUE(emb.W.requires_grad());
    EXPECT_EQ((emb(xg::tensor({3.0}, xg::kInt64)).squeeze(0) - weights.select(0, 3)).abs().max().item(), 0);
    auto bag = nn::EmbeddingBag::from_pretrained(weights);
    EXPECT_FALSE(bag.W.requires_grad());
    EXPECT_EQ(bag(xg::tensor({{1.0, 2.0}}, xg::kInt64)).shape(), (xg::Shape{1, 4}));
  }
  {
    // row: `torch::nn::ModuleDict dict({{"cls", head}}); dict["cls"]->forward(x)`, `torch::nn::ParameterList`, `torch::nn::ParameterDict`, `module->unregister_module("name")`
    auto head = std::make_shared<nn::Linear>(8, 3);
    nn::ModuleDict dict({{"cls", head}});
    EXPECT_EQ(dict["cls"](xg::randn({2, 8})).shape(), (xg::Shape{2, 3}));
    EXPECT_EQ(&dict.at<nn::Linear>("cls"), head.get());
    nn::ParameterList list;
    list.append(xg::ones({3}).requires_grad_());
    nn::ParameterDict params({{"scale", xg::ones({3}).requires_grad_()}});
    EXPECT_EQ(list.parameters().size() + params.parameters().size(), 2u);
    dict.unregister_module("cls");
    EXPECT_TRUE(dict.parameters().empty());
  }
  {
    // row: `torch::nn::utils::parameters_to_vector(net->parameters())`, `torch::nn::utils::vector_to_parameters(vec, net->parameters())`
    nn::Linear net(4, 2);
    const auto vec = nn::utils::parameters_to_vector(net.parameters());
    EXPECT_EQ(vec.shape(), (xg::Shape{10}));
    nn::utils::vector_to_parameters(xg::zeros({10}), net.parameters());
    EXPECT_EQ(net.W.abs().sum().item(), 0);
  }
  {
    // row: `torch::nn::AlphaDropout(torch::nn::AlphaDropoutOptions(0.1))`, `torch::nn::FeatureAlphaDropout(0.2)`, `F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(0.1).training(true))`
    namespace F = xg::nn::functional;
    nn::AlphaDropout drop(nn::AlphaDropoutOptions(0.1));
    nn::FeatureAlphaDropout maps(0.2);
    const auto x = xg::randn({4, 3, 5});
    drop.eval();
    maps.eval();
    EXPECT_EQ((drop(x) - x).abs().max().item(), 0);
    EXPECT_EQ((maps(x) - x).abs().max().item(), 0);
    EXPECT_EQ(F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(0.1).training(true)).shape(), x.shape());
  }
  {
    // row: `F::gumbel_softmax(logits, F::GumbelSoftmaxFuncOptions().tau(0.5).hard(true).dim(-1))`
    namespace F = xg::nn::functional;
    const auto y = F::gumbel_softmax(xg::randn({6, 4}), F::GumbelSoftmaxFuncOptions().tau(0.5).hard(true).dim(-1));
    EXPECT_EQ(y.sum().item(), 6.0f);
    EXPECT_EQ(y.max().item(), 1.0f);
  }
}
