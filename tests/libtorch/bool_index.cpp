// Must not compile: PyTorch's x[True] adds an axis, and an int from a bool would select row 1;
// xgrad has no bool index, so the TensorIndex(bool) constructor is deleted.
#include <xgrad/xgrad.h>
int main() {
  auto x = xg::zeros({2, 3});
  return static_cast<int>(x.index({true}).numel());
}
