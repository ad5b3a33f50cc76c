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

}  // namespace xg::plot
