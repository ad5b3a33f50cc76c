// line_chart through gnuplot (images: data/image.cpp).
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

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

}  // namespace xg::plot
