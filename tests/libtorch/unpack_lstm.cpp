// Must not compile: libtorch's `auto [y, hc] = lstm->forward(x)` unpacks a tuple; xgrad's
// lstm(x) returns the output only. The compiler's message must lead to docs/libtorch.md.
#include <xgrad/xgrad.h>
int main() {
  xg::nn::LSTM lstm(3, 4);
  auto [y, hc] = lstm(xg::zeros({5, 2, 3}));
  return static_cast<int>(y.numel() + std::get<0>(hc).numel());
}
