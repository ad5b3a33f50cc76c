// A progress bar for long loops. On a terminal it redraws one line; otherwise (a log, a
// pipe, CI) it prints a plain line every tenth of the way, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace xg::train {

class ProgressBar {
 public:
  /// `total` steps (iterations or epochs), written to stdout.
  explicit ProgressBar(std::int64_t total, std::string label = "");
  /// The same, on another stream (never treated as a terminal).
  ProgressBar(std::int64_t total, std::string label, std::ostream& os);
  /// Reports `done` steps and the latest metrics ("loss", 0.31), ("acc", 0.92).
  void update(std::int64_t done, const std::vector<std::pair<std::string, double>>& metrics = {});
  /// Prints a line of its own (an epoch's figures) without garbling the bar.
  void message(const std::string& text);
  /// Ends the bar with a final line.
  void finish(const std::vector<std::pair<std::string, double>>& metrics = {});

 private:
  std::string line(std::int64_t done, const std::vector<std::pair<std::string, double>>& metrics) const;
  std::int64_t total_;
  std::string label_;
  std::ostream* os_;
  bool terminal_;
  std::int64_t next_plain_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::string last_line_;
};

}  // namespace xg::train
