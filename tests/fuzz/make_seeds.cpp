// Writes the fuzzers' seed corpora: small files cut from the shipped data and files that
// xg::save writes (a model, optimizer states), so fuzzing starts from valid inputs.
// usage: make_seeds DATA_DIR OUT_DIR  (creates OUT_DIR/{npz,idx,csv,state,ops})
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <xgrad/xgrad.h>

#include "fuzz_util.h"

namespace fs = std::filesystem;

namespace {

void write_idx(const std::string& path, const xg::Tensor& x, bool gzip) {
  std::string b = {0, 0, 8, static_cast<char>(x.dim())};
  for (auto d : x.shape())
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((d >> s) & 0xff);
  for (double v : x.to_vector<double>()) b += static_cast<char>(static_cast<unsigned char>(v));
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb9");
    gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << b;
  }
}

void head_lines(const std::string& from, const std::string& to, int n) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i) out << line << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return std::cerr << "usage: make_seeds DATA_DIR OUT_DIR\n", 2;
  const std::string data = argv[1], out = argv[2];
  for (const char* d : {"npz", "idx", "csv", "state", "ops"}) fs::create_directories(out + "/" + d);
  // ops: for each of the harness's 16 operations, inputs of small, valid-looking bytes (the
  // fuzzer mutates them towards the extremes).
  for (int op = 0; op < 16; ++op)
    for (int variant = 0; variant < 3; ++variant) {
      std::string bytes(1, static_cast<char>(op));
      for (int i = 0; i < 96; ++i) bytes += static_cast<char>(1 + (i * (variant + 3) + op) % 5);
      std::ofstream(out + "/ops/op" + std::to_string(op) + "-" + std::to_string(variant), std::ios::binary) << bytes;
    }
  // IDX: five digits and their labels, plain and gzip.
  xg::data::MnistOptions raw;
  raw.normalize = false;
  const auto m = xg::data::load_mnist(data + "/digits", raw);
  const auto x = xg::index_select(m.x_train, 0, xg::arange(5)).reshape({5, 28, 28});
  write_idx(out + "/idx/images-idx3-ubyte", x, false);
  write_idx(out + "/idx/images-idx3-ubyte.gz", x, true);
  write_idx(out + "/idx/labels-idx1-ubyte.gz", xg::index_select(m.t_train, 0, xg::arange(16)), true);
  // CSV: the head of each shipped table.
  head_lines(data + "/tabular/boston_housing.csv", out + "/csv/boston.csv", 12);
  head_lines(data + "/tabular/pima_indians_diabetes.csv", out + "/csv/pima.csv", 12);
  // npz and state: what xg::save writes.
  xg::nn::Sequential net;
  net.emplace<xg::nn::Linear>(3, 4);
  net.emplace<xg::nn::BatchNorm1d>(4);
  net.emplace<xg::nn::Linear>(4, 2);
  xg::save(net, out + "/npz/sequential.npz");
  xg::save_npz({{"labels", xg::arange(5)}, {"scalar", xg::scalar_tensor(2.5, xg::kFloat64)}}, out + "/npz/mixed.npz");
  xg::fuzz::StateNet model;
  xg::save(model, out + "/state/model.npz");
  xg::optim::Adam adam(model.parameters(), 0.01);
  adam.zero_grad();
  xg::nn::softmax_cross_entropy(model(xg::ones({2, 3})), xg::tensor({0.0, 1.0}, {2}, xg::kInt64)).backward();
  adam.step();
  xg::save(adam, out + "/state/adam.npz");
  xg::save(adam, out + "/npz/adam.npz");
  // LBFGS after a few iterations: its history under "extra." keys.
  xg::optim::LBFGS lbfgs(model.parameters(), xg::optim::LBFGSOptions(0.01).max_iter(4).history_size(3));
  lbfgs.step([&] {
    lbfgs.zero_grad();
    auto loss = xg::nn::softmax_cross_entropy(model(xg::ones({2, 3})), xg::tensor({0.0, 1.0}, {2}, xg::kInt64));
    loss.backward();
    return loss;
  });
  xg::save(lbfgs, out + "/state/lbfgs.npz");
  std::cout << "seeds written to " << out << "\n";
}
