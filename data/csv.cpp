// CSV reading, standardisation and train/test splitting.
#include <xgrad/detail/format.h>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <xgrad/autograd.h>
#include <xgrad/data/csv.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

namespace xg::data {

namespace {

std::vector<std::string> split_row(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    const auto b = cell.find_first_not_of(" \t\r\""), e = cell.find_last_not_of(" \t\r\"");
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// The cell as it can be shown in a message: control bytes (a NUL, say) as \xNN.
std::string printable(const std::string& cell) {
  std::string out;
  for (const char ch : cell.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 32 && u < 127) {
      out += ch;
    } else {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return cell.size() > 64 ? out + "..." : out;
}

}  // namespace

CsvTable read_csv(const std::string& path, Dtype dtype) {
  std::ifstream in(path);
  if (!in) fail("read_csv: cannot open ", path, ": ", std::strerror(errno));
  CsvTable table;
  std::string line;
  if (!std::getline(in, line)) fail("read_csv: ", path, " is empty (expected a header row)");
  table.columns = split_row(line);
  std::vector<double> values;
  std::int64_t rows = 0;
  for (std::int64_t lineno = 2; std::getline(in, line); ++lineno) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto cells = split_row(line);
    if (cells.size() != table.columns.size())
      fail("read_csv: ", path, ": row ", lineno, " has ", cells.size(), " cells, the header has ", table.columns.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      const double v = std::strtod(cells[c].c_str(), &end);
      // The whole cell must be the number: strtod stops at an embedded NUL ("1\0junk").
      if (cells[c].empty() || end != cells[c].c_str() + cells[c].size())
        fail("read_csv: ", path, ": row ", lineno, ", column ", c + 1, " ('", table.columns[c], "'): '",
             printable(cells[c]), "' is not a number");
      values.push_back(v);
    }
    ++rows;
  }
  table.values = tensor(values, {rows, static_cast<std::int64_t>(table.columns.size())}, dtype);
  return table;
}

std::int64_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<std::int64_t>(i);
  std::string all;
  for (const auto& c : columns) all += (all.empty() ? "" : ", ") + c;
  fail("CsvTable: no column '", name, "' (columns: ", all, ")");
}

std::pair<Tensor, Tensor> CsvTable::split_label(const std::string& label) const {
  const std::int64_t k = column(label);
  std::vector<double> keep;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(columns.size()); ++c)
    if (c != k) keep.push_back(static_cast<double>(c));
  const Tensor idx = tensor(keep, {static_cast<std::int64_t>(keep.size())}, kInt64);
  return {index_select(values, 1, idx), index_select(values, 1, tensor({static_cast<double>(k)}, kInt64)).reshape({-1})};
}

StandardScaler& StandardScaler::fit(const Tensor& x) {
  NoGradGuard no_grad;
  if (x.dim() != 2 || x.shape()[0] == 0) fail("StandardScaler: expected (rows, columns), got ", detail::shape_str(x.shape()));
  mean_ = x.mean({0});
  const Tensor sd = sqrt(x.var({0}));
  scale_ = where(sd > 0.0, sd, ones_like(sd));  // a constant column: divide by 1
  return *this;
}

Tensor StandardScaler::transform(const Tensor& x) const {
  if (!mean_.defined()) fail("StandardScaler: transform before fit");
  if (x.dim() != 2 || x.shape()[1] != mean_.shape()[0])
    fail("StandardScaler: fitted on ", mean_.shape()[0], " columns, got ", detail::shape_str(x.shape()));
  return (x - mean_) / scale_;
}

Split train_test_split(const Tensor& x, const Tensor& y, double test_fraction, std::uint64_t seed) {
  const std::int64_t n = x.shape()[0];
  if (y.shape()[0] != n) fail("train_test_split: ", n, " inputs but ", y.shape()[0], " targets");
  if (!(test_fraction > 0 && test_fraction < 1)) fail("train_test_split: test_fraction must be in (0, 1), got ", test_fraction);
  Generator gen(seed);
  std::vector<double> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = static_cast<double>(i);
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[gen.below(i + 1)]);
  const auto n_train = static_cast<std::int64_t>(std::llround(static_cast<double>(n) * (1.0 - test_fraction)));
  const Tensor train_idx = tensor(std::vector<double>(order.begin(), order.begin() + n_train), {n_train}, kInt64);
  const Tensor test_idx = tensor(std::vector<double>(order.begin() + n_train, order.end()), {n - n_train}, kInt64);
  return {index_select(x, 0, train_idx), index_select(y, 0, train_idx), index_select(x, 0, test_idx),
          index_select(y, 0, test_idx)};
}

}  // namespace xg::data
