// Command-line options for the examples. CLI11 (Debian's libcli11-dev) parses them in one
// translation unit, options.cpp: its header takes about 7 s to compile, which twelve
// examples would pay twelve times; through this light header each pays nothing.
//
//     int iters = 10000;
//     xg::examples::Options opts("two_layer_net", "The textbook's TwoLayerNet on digits.");
//     opts.add("--iters", iters, "training iterations");
//     opts.parse(argc, argv);  // --help prints usage; a bad value prints why and exits 2
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace xg::examples {

class Options {
 public:
  Options(const std::string& program, const std::string& description);
  ~Options();
  Options(const Options&) = delete;
  Options& operator=(const Options&) = delete;

  Options& add(const std::string& flag, int& value, const std::string& help);
  Options& add(const std::string& flag, double& value, const std::string& help);
  /// A switch: present sets `value` to true.
  Options& add(const std::string& flag, bool& value, const std::string& help);
  /// A text option; with `choices`, any other value is refused.
  Options& add(const std::string& flag, std::string& value, const std::string& help,
               const std::vector<std::string>& choices = {});
  /// Parses the command line. --help prints the usage and exits 0; an unknown option or a
  /// bad value prints what is wrong and the usage hint, and exits 2.
  void parse(int argc, char** argv);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xg::examples
