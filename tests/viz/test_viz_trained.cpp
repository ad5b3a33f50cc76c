// xg::viz on a trained CNN: the textbook's SimpleConvNet with its published weights
// (data/textbook_simple_convnet_2016.npz, test accuracy 0.9975 on the shipped digits).
// What the maps must show on real digits, with thresholds measured on these weights.
#include "test_util.h"

using namespace xg;

namespace {

struct SimpleConvNet : nn::Module {
  nn::Conv2d conv1{1, 30, 5};
  nn::ReLU relu1, relu2;
  nn::MaxPool2d pool{2};
  nn::Flatten flatten;
  nn::Linear affine1{4320, 100}, affine2{100, 10};
  SimpleConvNet() {
    register_module("conv1", conv1), register_module("relu1", relu1), register_module("pool", pool);
    register_module("flatten", flatten), register_module("affine1", affine1), register_module("relu2", relu2);
    register_module("affine2", affine2);
    const std::map<std::string, Tensor*> names{{"W1", &conv1.W}, {"b1", &conv1.b}, {"W2", &affine1.W},
                                               {"b2", &affine1.b}, {"W3", &affine2.W}, {"b3", &affine2.b}};
    NoGradGuard no_grad;
    for (const auto& [name, value] : load_npz(std::string(XGRAD_DATA_DIR) + "/textbook_simple_convnet_2016.npz"))
      names.at(name)->copy_(value);
  }
  Tensor forward(const Tensor& x) override { return affine2(relu2(affine1(flatten(pool(relu1(conv1(x))))))); }
};

struct Trained : ::testing::Test {
  static void SetUpTestSuite() {
    net = new SimpleConvNet;
    data::MnistOptions o;
    o.flatten = false;
    auto m = data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", o);
    // The first test digit of each class.
    tensor_list xs;
    for (std::int64_t c = 0; c < 10; ++c)
      for (std::int64_t i = 0; i < m.t_test.size(0); ++i)
        if (static_cast<std::int64_t>(m.t_test.at({i})) == c) {
          xs.push_back(m.x_test.narrow(0, i, 1));
          break;
        }
    digits = new Tensor(concat(xs, 0));
  }
  static void TearDownTestSuite() {
    delete net;
    delete digits;
  }
  static SimpleConvNet* net;
  static Tensor* digits;
};
SimpleConvNet* Trained::net = nullptr;
Tensor* Trained::digits = nullptr;

}  // namespace

TEST_F(Trained, SaliencyMassLiesOnTheStrokes) {
  // Strokes: pixels above 0.1, grown by one pixel (the gradient also lives on a stroke's
  // edge, where adding ink changes the class). Measured on these weights: the strokes
  // cover 0.25 to 0.43 of the image and hold 0.56 to 0.79 of the saliency, a density 2.3
  // to 6.8 times the background's.
  const Tensor& x = *digits;
  const Tensor map = viz::saliency(*net, x, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor strokes = max_pool2d((x > 0.1).to(kFloat32), 3, 1, 1).reshape({10, 28, 28});
  const auto on = (map * strokes).sum({1, 2}).to_vector<double>(), all = map.sum({1, 2}).to_vector<double>();
  const auto area = strokes.mean({1, 2}).to_vector<double>();
  for (int c = 0; c < 10; ++c) {
    SCOPED_TRACE(c);
    std::printf("digit %d: strokes cover %.3f of the image, hold %.3f of the saliency\n", c, area[c], on[c] / all[c]);
    const double mass = on[c] / all[c];
    EXPECT_GT(mass, 0.5);
    EXPECT_GT((mass / area[c]) / ((1 - mass) / (1 - area[c])), 2.0);  // denser on the strokes than off
  }
}

TEST_F(Trained, EveryMethodDeletesFasterThanRandom) {
  // Deletion AUC (lower: the map found what the class depends on), averaged over one digit
  // per class, against three random orders per digit. Measured: vanilla 0.19, guided 0.21,
  // rectified 0.44, Grad-CAM 0.31, guided Grad-CAM 0.25, occlusion 0.25; random 0.60.
  const Tensor& x = *digits;
  const std::vector<std::int64_t> cls{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  using viz::BackpropModifier;
  std::vector<std::pair<std::string, Tensor>> maps{
      {"vanilla", viz::saliency(*net, x, cls)},
      {"guided", viz::saliency(*net, x, cls, viz::SaliencyOptions().backprop(BackpropModifier::Guided))},
      {"rectified", viz::saliency(*net, x, cls, viz::SaliencyOptions().backprop(BackpropModifier::Rectified))},
      {"grad_cam", viz::grad_cam(*net, net->pool, x, cls)},
      {"guided_grad_cam", viz::guided_grad_cam(*net, net->pool, x, cls)},
      {"occlusion", 1.0 - viz::occlusion(*net, x, cls, viz::OcclusionOptions().size(4))}};
  manual_seed(0);
  double random = 0;
  tensor_list random_maps;
  for (int k = 0; k < 30; ++k) random_maps.push_back(rand({28, 28}));
  for (int c = 0; c < 10; ++c)
    for (int r = 0; r < 3; ++r)
      random += viz::deletion_curve(*net, x.narrow(0, c, 1), c, random_maps[static_cast<std::size_t>(c * 3 + r)]).auc / 30;
  for (const auto& [name, m] : maps) {
    double auc = 0;
    for (int c = 0; c < 10; ++c) auc += viz::deletion_curve(*net, x.narrow(0, c, 1), c, m.narrow(0, c, 1).reshape({28, 28})).auc / 10;
    std::printf("%s: deletion AUC %.3f, random %.3f\n", name.c_str(), auc, random);
    EXPECT_LT(auc, 0.8 * random) << name;
  }
}
