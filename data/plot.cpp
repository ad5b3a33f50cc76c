// line_chart through gnuplot, images through stb_image_write (Debian's libstb).
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <stb/stb_image_write.h>

#include <xgrad/data/plot.h>
#include <xgrad/ops.h>

namespace xg::plot {

namespace {

bool have_gnuplot() {
  static const bool found = std::system("command -v gnuplot > /dev/null 2>&1") == 0;
  return found;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string line_chart(const std::string& stem, const std::vector<Series>& series, const ChartOptions& o) {
  {
    std::ofstream csv(stem + ".csv");
    if (!csv) fail("line_chart: cannot write ", stem, ".csv");
    csv << "series,x,y\n";
    csv.precision(10);
    for (const auto& s : series) {
      if (s.x.size() != s.y.size()) fail("line_chart: series '", s.name, "' has ", s.x.size(), " x and ", s.y.size(), " y values");
      for (std::size_t i = 0; i < s.x.size(); ++i) csv << s.name << ',' << s.x[i] << ',' << s.y[i] << '\n';
    }
  }
  if (!have_gnuplot()) return "";
  const std::string script_path = stem + ".gp";
  {
    std::ofstream gp(script_path);
    gp << "set terminal pngcairo size 800,560 noenhanced\nset output " << quoted(stem + ".png") << "\n";
    gp << "set datafile separator ','\nset key outside bottom center horizontal\nset grid\n";
    gp << "set title " << quoted(o.title) << "\nset xlabel " << quoted(o.xlabel) << "\nset ylabel " << quoted(o.ylabel) << "\n";
    if (o.log_y) gp << "set logscale y\n";
    if (o.equal_axes) gp << "set size ratio -1\n";
    gp << "plot ";
    for (std::size_t i = 0; i < series.size(); ++i)
      gp << (i ? ", " : "") << quoted(stem + ".csv") << " using 2:(stringcolumn(1) eq " << quoted(series[i].name)
         << " ? $3 : NaN) with " << series[i].style << " lw 2 title " << quoted(series[i].name);
    gp << "\n";
  }
  if (std::system(("gnuplot " + quoted(script_path) + " 2> /dev/null").c_str()) != 0) {
    // Debian's gnuplot-nox may lack cairo: fall back to the plain png terminal.
    std::ifstream in(script_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("pngcairo"), 8, "png");
    std::ofstream(script_path) << text;
    if (std::system(("gnuplot " + quoted(script_path)).c_str()) != 0) fail("line_chart: gnuplot failed on ", script_path);
  }
  std::remove(script_path.c_str());
  return stem + ".png";
}

namespace {

// RGB pixels of one image: grey, or blue (negative) - white (0) - red (positive).
std::vector<unsigned char> pixels(const Tensor& image, bool heatmap) {
  if (image.dim() != 2) fail("save_image: expected an (H, W) tensor, got ", detail::shape_str(image.shape()));
  const auto v = image.to_vector<double>();
  double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
  const double m = std::max(std::fabs(lo), std::fabs(hi));
  std::vector<unsigned char> rgb;
  rgb.reserve(v.size() * 3);
  for (double x : v) {
    if (heatmap) {
      const double s = m > 0 ? x / m : 0.0;  // [-1, 1]
      const auto fade = static_cast<unsigned char>(std::lround(255 * (1 - std::fabs(s))));
      rgb.insert(rgb.end(), {s > 0 ? static_cast<unsigned char>(255) : fade, fade, s < 0 ? static_cast<unsigned char>(255) : fade});
    } else {
      const auto g = static_cast<unsigned char>(std::lround(hi > lo ? 255 * (x - lo) / (hi - lo) : 0));
      rgb.insert(rgb.end(), {g, g, g});
    }
  }
  return rgb;
}

void write_png(const std::string& path, int w, int h, const std::vector<unsigned char>& rgb) {
  if (!stbi_write_png(path.c_str(), w, h, 3, rgb.data(), w * 3)) fail("save_image: cannot write ", path);
}

}  // namespace

void save_image(const Tensor& image, const std::string& png_path, bool heatmap, int scale) {
  save_image_row({image}, png_path, heatmap, scale, 0);
}

void save_image_row(const tensor_list& images, const std::string& png_path, bool heatmap, int scale, int gap) {
  if (images.empty()) fail("save_image_row: no images");
  if (scale < 1) fail("save_image: scale must be at least 1, got ", scale);
  const std::int64_t h = images[0].dim() == 2 ? images[0].shape()[0] * scale : 0;
  std::int64_t w = 0;
  for (const auto& im : images) {
    if (im.dim() != 2 || im.shape()[0] * scale != h)
      fail("save_image: expected 2-D (H, W) images of equal height, got ", detail::shape_str(im.shape()));
    w += im.shape()[1] * scale + gap;
  }
  w -= gap;
  std::vector<unsigned char> row(static_cast<std::size_t>(w * h * 3), 255);
  std::int64_t x0 = 0;
  for (const auto& im : images) {
    const auto p = pixels(im, heatmap);
    const auto iw = im.shape()[1];
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < iw * scale; ++x)
        std::copy_n(p.begin() + ((y / scale) * iw + x / scale) * 3, 3, row.begin() + (y * w + x0 + x) * 3);
    x0 += iw * scale + gap;
  }
  write_png(png_path, static_cast<int>(w), static_cast<int>(h), row);
}

void save_image_grid(const tensor_list& images, const std::string& png_path, const GridOptions& o) {
  if (images.empty()) fail("save_image_grid: no images");
  if (o.columns < 1 || o.scale < 1 || o.gap < 0)
    fail("save_image_grid: need columns >= 1, scale >= 1 and gap >= 0, got ", o.columns, ", ", o.scale, ", ", o.gap);
  const Shape first = images[0].shape();
  for (const auto& im : images)
    if (im.dim() != 2 || im.shape() != first)
      fail("save_image_grid: expected (H, W) images of one size, got ", detail::shape_str(first), " and ",
           detail::shape_str(im.shape()));
  const std::int64_t ih = first[0] * o.scale, iw = first[1] * o.scale;
  const auto n = static_cast<std::int64_t>(images.size());
  const std::int64_t cols = std::min<std::int64_t>(o.columns, n), rows = (n + o.columns - 1) / o.columns;
  const std::int64_t w = cols * (iw + o.gap) - o.gap, h = rows * (ih + o.gap) - o.gap;
  std::vector<unsigned char> rgb(static_cast<std::size_t>(w * h * 3), 255);
  for (std::int64_t k = 0; k < n; ++k) {
    const auto p = pixels(images[static_cast<std::size_t>(k)], false);
    const std::int64_t x0 = (k % o.columns) * (iw + o.gap), y0 = (k / o.columns) * (ih + o.gap);
    for (std::int64_t y = 0; y < ih; ++y)
      for (std::int64_t x = 0; x < iw; ++x)
        for (int c = 0; c < 3; ++c) {
          const unsigned char g = p[static_cast<std::size_t>(((y / o.scale) * first[1] + x / o.scale) * 3 + c)];
          rgb[static_cast<std::size_t>(((y0 + y) * w + x0 + x) * 3 + c)] = o.reversed ? 255 - g : g;
        }
  }
  write_png(png_path, static_cast<int>(w), static_cast<int>(h), rgb);
}

}  // namespace xg::plot
