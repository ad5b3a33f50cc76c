// line_chart through gnuplot (images: data/image.cpp).
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <xgrad/data/plot.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

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


// Runs a gnuplot script, falling back to the plain png terminal where cairo is missing
// (Debian's gnuplot-nox), then removes the script.
void run_gnuplot(const std::string& script_path, const char* op) {
  if (std::system(("gnuplot " + quoted(script_path) + " 2> /dev/null").c_str()) != 0) {
    std::ifstream in(script_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("pngcairo"), 8, "png");
    std::ofstream(script_path) << text;
    if (std::system(("gnuplot " + quoted(script_path)).c_str()) != 0) fail(op, ": gnuplot failed on ", script_path);
  }
  std::remove(script_path.c_str());
}

std::string tick_label(const std::string& s) {
  std::string out;
  for (char c : s) out += c == ' ' ? std::string("\xe2\x90\xa3") : c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

}  // namespace

std::string heat_map(const std::string& stem, const Tensor& matrix, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& column_labels, const ChartOptions& o) {
  if (!matrix.defined() || matrix.dim() != 2)
    fail("heat_map: expected a 2-D matrix, got ", matrix.defined() ? xg::detail::shape_str(matrix.shape()) : "undefined");
  const std::int64_t R = matrix.size(0), C = matrix.size(1);
  if ((!row_labels.empty() && static_cast<std::int64_t>(row_labels.size()) != R) ||
      (!column_labels.empty() && static_cast<std::int64_t>(column_labels.size()) != C))
    fail("heat_map: ", row_labels.size(), " row and ", column_labels.size(), " column labels for a ",
         xg::detail::shape_str(matrix.shape()), " matrix");
  const auto v = matrix.to_vector<double>();
  {
    std::ofstream csv(stem + ".csv");
    if (!csv) fail("heat_map: cannot write ", stem, ".csv");
    csv.precision(10);
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t c = 0; c < C; ++c) csv << v[static_cast<std::size_t>(r * C + c)] << (c + 1 < C ? ',' : '\n');
  }
  if (!have_gnuplot() || R == 0 || C == 0) return "";
  const auto tics = [](const std::vector<std::string>& labels) {
    std::string t = "(";
    for (std::size_t i = 0; i < labels.size(); ++i) t += (i ? ", " : "") + quoted(tick_label(labels[i])) + " " + std::to_string(i);
    return t + ")";
  };
  const std::string script_path = stem + ".gp";
  {
    std::ofstream gp(script_path);
    const std::int64_t side = std::min<std::int64_t>(1600, std::max<std::int64_t>(360, 24 * std::max(R, C) + 160));
    gp << "set terminal pngcairo size " << side << "," << side << " noenhanced\nset output " << quoted(stem + ".png") << "\n";
    gp << "set datafile separator ','\nunset key\nset title " << quoted(o.title) << "\n";
    gp << "set xlabel " << quoted(o.xlabel) << "\nset ylabel " << quoted(o.ylabel) << "\n";
    gp << "set xrange [-0.5:" << C - 0.5 << "]\nset yrange [" << R - 0.5 << ":-0.5]\nset size ratio -1\n";
    gp << "set palette defined (0 'white', 1 '#08306b')\nset cbrange [0:*]\n";
    if (!column_labels.empty()) gp << "set xtics " << tics(column_labels) << " scale 0\n";
    if (!row_labels.empty()) gp << "set ytics " << tics(row_labels) << " scale 0\n";
    gp << "plot " << quoted(stem + ".csv") << " matrix with image\n";
  }
  run_gnuplot(script_path, "heat_map");
  return stem + ".png";
}

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
  run_gnuplot(script_path, "line_chart");
  return stem + ".png";
}

}  // namespace xg::plot
