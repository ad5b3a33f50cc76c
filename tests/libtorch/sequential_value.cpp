// Must not compile: libtorch's Sequential(Linear(3, 4), ...) passes module holders; xgrad's
// modules cannot be moved. The compiler's message must name the fix.
#include <xgrad/xgrad.h>
int main() {
  xg::nn::Sequential seq(xg::nn::Linear(3, 4));
  return static_cast<int>(seq.size());
}
