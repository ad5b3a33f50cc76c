// ProgressBar.
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include <xgrad/train/progress.h>

namespace xg::train {

ProgressBar::ProgressBar(std::int64_t total, std::string label)
    : total_(total), label_(std::move(label)), os_(&std::cout), terminal_(::isatty(STDOUT_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::ProgressBar(std::int64_t total, std::string label, std::ostream& os)
    : total_(total), label_(std::move(label)), os_(&os), terminal_(false), start_(std::chrono::steady_clock::now()) {}

std::string ProgressBar::line(std::int64_t done, const std::vector<std::pair<std::string, double>>& metrics) const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const int width = 24, filled = static_cast<int>(frac * width);
  char buf[128];
  std::string s = label_.empty() ? "" : label_ + " ";
  s += "[" + std::string(static_cast<std::size_t>(filled), '=') + std::string(static_cast<std::size_t>(width - filled), ' ') + "] ";
  std::snprintf(buf, sizeof buf, "%lld/%lld", static_cast<long long>(done), static_cast<long long>(total_));
  s += buf;
  for (const auto& [name, value] : metrics) {
    std::snprintf(buf, sizeof buf, "  %s %.4f", name.c_str(), value);
    s += buf;
  }
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  std::snprintf(buf, sizeof buf, "  %.1f/s  %.1fs elapsed, %.1fs left", rate, elapsed, left);
  return s + buf;
}

void ProgressBar::update(std::int64_t done, const std::vector<std::pair<std::string, double>>& metrics) {
  if (terminal_) {
    // Redraw at most ten times a second: a write per iteration would cost more than the work.
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    last_line_ = line(done, metrics);
    *os_ << '\r' << last_line_ << "\033[K" << std::flush;
  } else if (done >= next_plain_) {
    *os_ << line(done, metrics) << '\n' << std::flush;
    next_plain_ = done + std::max<std::int64_t>(1, total_ / 10);
  }
}

void ProgressBar::message(const std::string& text) {
  if (terminal_)
    *os_ << "\r\033[K" << text << '\n' << last_line_ << std::flush;
  else
    *os_ << text << '\n' << std::flush;
}

void ProgressBar::finish(const std::vector<std::pair<std::string, double>>& metrics) {
  *os_ << (terminal_ ? "\r" : "") << line(total_, metrics) << (terminal_ ? "\033[K\n" : "\n") << std::flush;
}

}  // namespace xg::train
