// The one place CLI11 is compiled (see options.h).
#include "options.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

namespace xg::examples {

struct Options::Impl {
  CLI::App app;
  Impl(const std::string& description, const std::string& program) : app(description, program) {}
};

Options::Options(const std::string& program, const std::string& description)
    : impl_(std::make_unique<Impl>(description, program)) {}
Options::~Options() = default;

Options& Options::add(const std::string& flag, int& value, const std::string& help) {
  impl_->app.add_option(flag, value, help)->capture_default_str();
  return *this;
}

Options& Options::add(const std::string& flag, double& value, const std::string& help) {
  impl_->app.add_option(flag, value, help)->capture_default_str();
  return *this;
}

Options& Options::add(const std::string& flag, bool& value, const std::string& help) {
  impl_->app.add_flag(flag, value, help);
  return *this;
}

Options& Options::add(const std::string& flag, std::string& value, const std::string& help,
                      const std::vector<std::string>& choices) {
  auto* opt = impl_->app.add_option(flag, value, help)->capture_default_str();
  if (!choices.empty()) opt->check(CLI::IsMember(choices));
  return *this;
}

void Options::parse(int argc, char** argv) {
  try {
    impl_->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(impl_->app.exit(e) == 0 ? 0 : 2);  // prints the help, or the error and a hint
  }
}

}  // namespace xg::examples
