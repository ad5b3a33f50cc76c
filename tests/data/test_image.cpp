// Colour maps, overlays and PNG grids (read back with stb_image).
#include <stb/stb_image.h>

#include <cstdio>
#include <fstream>

#include "test_util.h"

using namespace xg;
using xg::test::values_near;

namespace {
// The PNG's pixels as (H, W, 3) bytes in [0, 255].
std::vector<unsigned char> read_png(const std::string& path, int& w, int& h) {
  int channels = 0;
  unsigned char* p = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (!p) return {};
  std::vector<unsigned char> out(p, p + w * h * 3);
  stbi_image_free(p);
  return out;
}
}  // namespace

TEST(Image, ColourMaps) {
  const auto map = tensor({{0.0, 0.5, 1.0}}, kFloat64);
  // jet: dark blue at the bottom, green in the middle, dark red at the top.
  EXPECT_TRUE(values_near(plot::colorize(map, plot::ColorMap::Jet), {0, 0, 0.5, 0.5, 1, 0.5, 0.5, 0, 0}));
  EXPECT_TRUE(values_near(plot::colorize(map, plot::ColorMap::Grey), {0, 0, 0, 0.5, 0.5, 0.5, 1, 1, 1}));
  // A fixed range: 0.5 in [0, 2] is a quarter of the way.
  EXPECT_TRUE(values_near(plot::colorize(tensor({{0.5}}), plot::ColorMap::Grey, 0, 2), {0.25, 0.25, 0.25}));
  // Signed: -2 full blue, 0 white, 1 half red.
  EXPECT_TRUE(values_near(plot::colorize(tensor({{-2.0, 0.0, 1.0}}), plot::ColorMap::BlueWhiteRed),
                          {0, 0, 1, 1, 1, 1, 1, 0.5, 0.5}));
  EXPECT_XG_ERROR(plot::colorize(ones({2, 2, 2})), "colorize", "(H, W)", "(2,2,2)");
}

TEST(Image, OverlayBlendsTheHeatMapOverGrey) {
  const auto image = tensor({{0.0, 1.0}}, kFloat64);  // black, white
  const auto heat = tensor({{1.0, 0.0}}, kFloat64);   // top of jet (dark red), bottom (dark blue)
  const auto o = plot::overlay(image, heat, 0.25);
  EXPECT_EQ(o.shape(), (Shape{1, 2, 3}));
  EXPECT_TRUE(values_near(o, {0.125, 0, 0, 0.75, 0.75, 0.875}));
  EXPECT_XG_ERROR(plot::overlay(image, ones({2, 2})), "overlay", "(2,2)", "(1,2)", "interpolate");
  EXPECT_XG_ERROR(plot::overlay(image, heat, 1.5), "overlay", "alpha", "1.5");
}

TEST(Image, GridMixesMapsAndRgbTilesAndWritesAtomically) {
  const std::string path = ::testing::TempDir() + "xgrad_grid.png";
  const Tensor grey = tensor({{0.0, 1.0}, {1.0, 0.0}});
  const Tensor red = plot::colorize(tensor({{1.0, 1.0}, {1.0, 1.0}}), plot::ColorMap::BlueWhiteRed);
  plot::GridOptions o;
  o.columns = 2;
  o.gap = 1;
  plot::save_image_grid({grey, red, grey}, path, o);
  int w = 0, h = 0;
  const auto px = read_png(path, w, h);
  ASSERT_EQ(w, 5);  // 2 + gap + 2
  ASSERT_EQ(h, 5);  // two rows
  auto at = [&](int x, int y, int c) { return static_cast<int>(px[static_cast<std::size_t>((y * w + x) * 3 + c)]); };
  EXPECT_EQ(at(0, 0, 0), 0);    // grey tile, black corner
  EXPECT_EQ(at(1, 0, 0), 255);  // its white pixel
  EXPECT_EQ(at(3, 0, 0), 255);  // the red tile: (255, 0, 0)
  EXPECT_EQ(at(3, 0, 1), 0);
  EXPECT_EQ(at(2, 0, 1), 255);  // the gap stays white
  // A failed write names the file and leaves no temporary behind.
  EXPECT_XG_ERROR(plot::save_image(grey, "/nonexistent-dir/x.png"), "save_image_row", "/nonexistent-dir/x.png");
  EXPECT_XG_ERROR(plot::save_image_grid({grey, ones({3, 3})}, path), "save_image_grid", "(2,2)", "(3,3)");
  EXPECT_XG_ERROR(plot::save_image_row({ones({2, 2, 2})}, path), "save_image_row", "(H, W, 3)", "(2,2,2)");
  std::remove(path.c_str());
}
