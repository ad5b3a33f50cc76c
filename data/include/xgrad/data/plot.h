// Pictures of results: line charts (training curves, predictions, optimizer paths) through
// gnuplot, and tensors as PNG images (colour maps, overlays, grids) through Debian's
// stb_image_write. Every chart also writes the CSV of its numbers, so nothing depends on
// gnuplot being installed.
#pragma once

#include <string>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::plot {

/// One curve: y against x. style is a gnuplot style ("lines", "points", "linespoints").
struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string style = "lines";
};

struct ChartOptions {
  std::string title, xlabel, ylabel;
  bool log_y = false;
  bool equal_axes = false;  // same scale on both axes (optimizer paths)
};

/// Writes `<stem>.csv` (columns series,x,y) and, when gnuplot is installed, `<stem>.png`.
/// Returns the PNG's path, or "" when gnuplot is not available. Throws if a file cannot be written.
std::string line_chart(const std::string& stem, const std::vector<Series>& series, const ChartOptions& options = {});

/// Writes `<stem>.csv` (the (R, C) matrix, one row per line) and, when gnuplot is installed,
/// `<stem>.png`: the matrix as a heat map (white 0 to dark blue at its maximum), row 0 at the
/// top, with `row_labels` down the side and `column_labels` along the bottom (one per row /
/// column, or none); a space shows as "␣", a newline as "\n". Returns the PNG's path or "".
std::string heat_map(const std::string& stem, const Tensor& matrix, const std::vector<std::string>& row_labels = {},
                     const std::vector<std::string>& column_labels = {}, const ChartOptions& options = {});

// ---- images (data/image.cpp). An image is an (H, W) tensor of values, drawn through a
// colour map, or an (H, W, 3) RGB tensor with channels in [0, 1]. PNGs are written
// atomically (a temporary file renamed over the target). ----

/// Colour maps: grey levels, matplotlib's jet (blue-cyan-yellow-red, the usual heat map),
/// and a signed blue-white-red centred on zero (gradients).
enum class ColorMap { Grey, Jet, BlueWhiteRed };

/// An (H, W) map through a colour map, as an (H, W, 3) RGB tensor. Values are scaled from
/// [lo, hi], the map's own min and max unless lo < hi are given (BlueWhiteRed: ±max|v|).
Tensor colorize(const Tensor& map, ColorMap cmap = ColorMap::Jet, double lo = 0, double hi = 0);

/// A heat map over an image, as keras-vis's overlay: alpha · colorize(heat) + (1 − alpha) ·
/// the image in grey (or its RGB). heat (H, W) must match the image's size (use
/// xg::interpolate first).
Tensor overlay(const Tensor& image, const Tensor& heat, double alpha = 0.5, ColorMap cmap = ColorMap::Jet);

/// Writes a 2-D tensor (H, W) as a PNG: grey levels scaled from [lo, hi] (the tensor's own
/// min and max), or a blue-white-red heat map for signed values (saliency); an (H, W, 3)
/// tensor is written as RGB. `scale` enlarges each value to a scale x scale block of pixels.
void save_image(const Tensor& image, const std::string& png_path, bool heatmap = false, int scale = 1);

/// Several images of equal height side by side in one PNG, with `gap` pixels between them.
void save_image_row(const tensor_list& images, const std::string& png_path, bool heatmap = false, int scale = 1,
                    int gap = 4);

/// How save_image_grid draws: `columns` images per row, each autoscaled to its own min and
/// max through `cmap`; `reversed` makes large values dark (matplotlib's gray_r, the
/// textbook's filter_show). RGB tiles are drawn as they are.
struct GridOptions {
  int columns = 8;
  bool reversed = false;
  int scale = 1;
  int gap = 2;
  ColorMap cmap = ColorMap::Grey;
};

/// Images of equal size in rows of `columns`, as the textbook's figure 7-24 (the first
/// layer's filters); (H, W) maps and (H, W, 3) RGB tiles may be mixed.
void save_image_grid(const tensor_list& images, const std::string& png_path, const GridOptions& options = {});

}  // namespace xg::plot
