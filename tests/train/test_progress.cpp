// ProgressBar prints plain lines off a terminal.
#include <sstream>

#include "test_util.h"

TEST(ProgressBar, PlainLinesEveryTenthAndAFinalLine) {
  std::ostringstream os;
  xg::train::ProgressBar bar(100, "train", os);
  for (int i = 1; i <= 100; ++i) bar.update(i, {{"loss", 1.0 / i}});
  bar.finish({{"loss", 0.01}});
  const std::string out = os.str();
  int lines = 0;
  for (char c : out) lines += c == '\n';
  EXPECT_EQ(lines, 11) << out;  // 10 progress lines and the final one
  EXPECT_NE(out.find("train [==="), std::string::npos) << out;
  EXPECT_NE(out.find("100/100  loss 0.0100"), std::string::npos) << out;
  EXPECT_NE(out.find("s left"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}
