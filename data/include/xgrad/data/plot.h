// Pictures of results: line charts (training curves, predictions, optimizer paths) through
// gnuplot, and tensors as PNG images through stb_image_write. Every chart also writes the
// CSV of its numbers, so nothing depends on gnuplot being installed.
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

/// Writes a 2-D tensor (H, W) as a PNG: grey levels scaled from [lo, hi] (the tensor's own
/// min and max by default), or a blue-white-red heat map for signed values (saliency).
/// `scale` enlarges each value to a scale x scale block of pixels.
void save_image(const Tensor& image, const std::string& png_path, bool heatmap = false, int scale = 1);

/// Several (H, W) images side by side in one PNG, with `gap` pixels between them.
void save_image_row(const tensor_list& images, const std::string& png_path, bool heatmap = false, int scale = 1,
                    int gap = 4);

/// How save_image_grid draws: `columns` images per row, each autoscaled to its own min and
/// max; `reversed` makes large values dark (matplotlib's gray_r, the textbook's filter_show).
struct GridOptions {
  int columns = 8;
  bool reversed = false;
  int scale = 1;
  int gap = 2;
};

/// (H, W) images of equal size in rows of `columns`, as the textbook's figure 7-24 (the
/// first layer's filters).
void save_image_grid(const tensor_list& images, const std::string& png_path, const GridOptions& options = {});

}  // namespace xg::plot
