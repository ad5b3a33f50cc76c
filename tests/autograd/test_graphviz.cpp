// to_dot: nodes, labels and edges of a small graph.
#include "test_util.h"

TEST(ToDot, OperationsAreBoxesAndNamedLeavesAreLabelled) {
  auto W = xg::ones({2, 3}).requires_grad_();
  auto x = xg::ones({4, 2});
  auto y = xg::sigmoid(xg::matmul(x, W)).sum();
  const std::string dot = xg::to_dot(y, {{"W", W}});
  EXPECT_EQ(dot.rfind("digraph g {", 0), 0u);
  EXPECT_NE(dot.find("SumBackward\\n() float32\", shape=box"), std::string::npos) << dot;
  EXPECT_NE(dot.find("SigmoidBackward\\n(4,3) float32"), std::string::npos) << dot;
  EXPECT_NE(dot.find("MatmulBackward\\n(4,3) float32"), std::string::npos) << dot;
  EXPECT_NE(dot.find("W\\n(2,3) float32\", shape=ellipse"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("(4,2)"), std::string::npos) << "x does not require grad, so it is not in the graph";
  int edges = 0;
  for (std::size_t p = dot.find("->"); p != std::string::npos; p = dot.find("->", p + 2)) ++edges;
  EXPECT_EQ(edges, 4);  // W -> matmul -> sigmoid -> sum -> output
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}
