// Tensors as PNG images: colour maps, overlays, rows and grids, through stb_image_write
// (Debian's libstb), written to a temporary file and renamed so a failed write never
// leaves a truncated PNG where a good one was.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <stb/stb_image_write.h>

#include <xgrad/autograd.h>
#include <xgrad/data/plot.h>
#include <xgrad/ops.h>
#include "tensor/checked.h"

namespace xg::plot {

namespace {

double clip01(double v) { return std::min(1.0, std::max(0.0, v)); }

// matplotlib's jet as its usual piecewise-linear approximation.
void jet(double s, double rgb[3]) {
  rgb[0] = clip01(1.5 - std::fabs(4 * s - 3));
  rgb[1] = clip01(1.5 - std::fabs(4 * s - 2));
  rgb[2] = clip01(1.5 - std::fabs(4 * s - 1));
}

bool is_rgb(const Tensor& image) { return image.dim() == 3 && image.shape()[2] == 3; }

void check_image(const Tensor& image, const char* op) {
  if (!image.defined() || !(image.dim() == 2 || is_rgb(image)))
    fail(op, ": expected an (H, W) map or an (H, W, 3) RGB image, got ",
         image.defined() ? detail::shape_str(image.shape()) : std::string("an undefined tensor"));
  if (image.numel() == 0) fail(op, ": the image of shape ", detail::shape_str(image.shape()), " is empty");
}

// RGB bytes of an image: RGB tensors as they are, maps through the colour map.
std::vector<unsigned char> pixels(const Tensor& image, ColorMap cmap, const char* op) {
  check_image(image, op);
  const Tensor rgb = is_rgb(image) ? image : colorize(image, cmap);
  const auto v = rgb.to_vector<double>();
  std::vector<unsigned char> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<unsigned char>(std::lround(255 * clip01(v[i])));
  return out;
}

void write_png(const std::string& path, std::int64_t w, std::int64_t h, const std::vector<unsigned char>& rgb, const char* op) {
  const std::string tmp = path + ".tmp";
  if (!stbi_write_png(tmp.c_str(), static_cast<int>(w), static_cast<int>(h), 3, rgb.data(), static_cast<int>(w * 3))) {
    const int err = errno;
    std::remove(tmp.c_str());
    fail(op, ": cannot write ", path, ": ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    fail(op, ": cannot rename ", tmp, " to ", path, ": ", std::strerror(err));
  }
}

// Pastes image pixels, each enlarged to scale x scale, into a canvas of width cw at (x0, y0).
void paste(std::vector<unsigned char>& canvas, std::int64_t cw, std::int64_t x0, std::int64_t y0,
           const std::vector<unsigned char>& p, std::int64_t ih, std::int64_t iw, int scale, bool reversed) {
  for (std::int64_t y = 0; y < ih * scale; ++y)
    for (std::int64_t x = 0; x < iw * scale; ++x)
      for (int c = 0; c < 3; ++c) {
        const unsigned char g = p[static_cast<std::size_t>(((y / scale) * iw + x / scale) * 3 + c)];
        canvas[static_cast<std::size_t>(((y0 + y) * cw + x0 + x) * 3 + c)] = reversed ? 255 - g : g;
      }
}

}  // namespace

Tensor colorize(const Tensor& map, ColorMap cmap, double lo, double hi) {
  if (!map.defined() || map.dim() != 2)
    fail("colorize: expected an (H, W) map, got ", map.defined() ? detail::shape_str(map.shape()) : std::string("undefined"));
  const auto v = map.to_vector<double>();
  if (!(lo < hi) && !v.empty()) {
    lo = *std::min_element(v.begin(), v.end());
    hi = *std::max_element(v.begin(), v.end());
  }
  const double m = std::max(std::fabs(lo), std::fabs(hi));
  std::vector<double> rgb(v.size() * 3);
  for (std::size_t i = 0; i < v.size(); ++i) {
    double* px = &rgb[i * 3];
    if (cmap == ColorMap::BlueWhiteRed) {
      const double s = m > 0 ? std::max(-1.0, std::min(1.0, v[i] / m)) : 0.0;  // [-1, 1]
      const double fade = 1 - std::fabs(s);
      px[0] = s > 0 ? 1.0 : fade, px[1] = fade, px[2] = s < 0 ? 1.0 : fade;
      continue;
    }
    const double s = hi > lo ? clip01((v[i] - lo) / (hi - lo)) : 0.0;
    if (cmap == ColorMap::Jet)
      jet(s, px);
    else
      px[0] = px[1] = px[2] = s;
  }
  return tensor(rgb, {map.shape()[0], map.shape()[1], 3}, kFloat64);
}

Tensor overlay(const Tensor& image, const Tensor& heat, double alpha, ColorMap cmap) {
  check_image(image, "overlay");
  if (!heat.defined() || heat.dim() != 2 || heat.shape()[0] != image.shape()[0] || heat.shape()[1] != image.shape()[1])
    fail("overlay: the heat map ", heat.defined() ? detail::shape_str(heat.shape()) : std::string("(undefined)"),
         " must be (H, W) of the image's size ", detail::shape_str(image.shape()), " (resize it with xg::interpolate)");
  if (!(alpha >= 0 && alpha <= 1)) fail("overlay: alpha must be in [0, 1], got ", alpha);
  const Tensor base = is_rgb(image) ? image.to(kFloat64) : colorize(image, ColorMap::Grey);
  NoGradGuard no_grad;
  return colorize(heat, cmap) * alpha + base * (1 - alpha);
}

void save_image(const Tensor& image, const std::string& png_path, bool heatmap, int scale) {
  save_image_row({image}, png_path, heatmap, scale, 0);
}

void save_image_row(const tensor_list& images, const std::string& png_path, bool heatmap, int scale, int gap) {
  if (images.empty()) fail("save_image_row: no images");
  if (scale < 1 || gap < 0) fail("save_image_row: need scale >= 1 and gap >= 0, got ", scale, " and ", gap);
  for (const auto& im : images) check_image(im, "save_image_row");
  const std::int64_t h = images[0].shape()[0];
  std::int64_t w = 0;
  for (const auto& im : images) {
    if (im.shape()[0] != h)
      fail("save_image_row: expected images of equal height, got ", detail::shape_str(images[0].shape()), " and ",
           detail::shape_str(im.shape()));
    w += im.shape()[1] * scale + gap;
  }
  w -= gap;
  std::vector<unsigned char> row(static_cast<std::size_t>(w * h * scale * 3), 255);
  std::int64_t x0 = 0;
  for (const auto& im : images) {
    paste(row, w, x0, 0, pixels(im, heatmap ? ColorMap::BlueWhiteRed : ColorMap::Grey, "save_image_row"), h,
          im.shape()[1], scale, false);
    x0 += im.shape()[1] * scale + gap;
  }
  write_png(png_path, w, h * scale, row, "save_image_row");
}

void save_image_grid(const tensor_list& images, const std::string& png_path, const GridOptions& o) {
  if (images.empty()) fail(detail::call_or("save_image_grid"), ": no images");
  if (o.columns < 1 || o.scale < 1 || o.gap < 0)
    fail(detail::call_or("save_image_grid"), ": need columns >= 1, scale >= 1 and gap >= 0, got ", o.columns, ", ", o.scale, ", ", o.gap);
  for (const auto& im : images) check_image(im, detail::call_or("save_image_grid"));
  const std::int64_t fh = images[0].shape()[0], fw = images[0].shape()[1];
  for (const auto& im : images)
    if (im.shape()[0] != fh || im.shape()[1] != fw)
      fail(detail::call_or("save_image_grid"), ": expected images of one size, got ", detail::shape_str(images[0].shape()), " and ",
           detail::shape_str(im.shape()));
  const std::int64_t ih = fh * o.scale, iw = fw * o.scale;
  const auto n = static_cast<std::int64_t>(images.size());
  const std::int64_t cols = std::min<std::int64_t>(o.columns, n), rows = (n + o.columns - 1) / o.columns;
  const std::int64_t w = cols * (iw + o.gap) - o.gap, h = rows * (ih + o.gap) - o.gap;
  std::vector<unsigned char> rgb(static_cast<std::size_t>(w * h * 3), 255);
  for (std::int64_t k = 0; k < n; ++k) {
    const auto& im = images[static_cast<std::size_t>(k)];
    paste(rgb, w, (k % o.columns) * (iw + o.gap), (k / o.columns) * (ih + o.gap), pixels(im, o.cmap, detail::call_or("save_image_grid")),
          fh, fw, o.scale, o.reversed && !is_rgb(im));
  }
  write_png(png_path, w, h, rgb, detail::call_or("save_image_grid"));
}

}  // namespace xg::plot
