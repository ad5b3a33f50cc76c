#include <iostream>

#include <xgrad/xgrad.h>

int main() {
  auto w = xg::tensor({1.0, 2.0, 3.0}).requires_grad_();
  auto loss = (w * w).sum() / 28.0;  // 14 / 28
  loss.backward();
  auto g = (w.grad() * 14.0).to_vector<double>();
  std::cout << "consumer: loss " << loss.item() << " grad " << g[0] << " " << g[1] << " " << g[2] << "\n";
}
