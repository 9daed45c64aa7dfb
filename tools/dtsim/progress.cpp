#include "tools/dtsim/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace dtsim::cli {

Progress::Progress(std::string label, std::string unit, size_t total, bool enabled,
                   std::FILE* out, int is_terminal, double delay_s, double plain_interval_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      terminal_(is_terminal < 0 ? ::isatty(::fileno(out)) == 1 : is_terminal == 1),
      out_(out),
      delay_s_(delay_s),
      plain_interval_s_(plain_interval_s),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

std::string Progress::line(size_t done, double elapsed_s) const {
  const double pct = total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100;
  std::string s = fmt::format("{}: {}/{} {} ({:.0f}%)", label_, done, total_, unit_, pct);
  if (done > 0 && elapsed_s > 0) {
    const double rate = static_cast<double>(done) / elapsed_s;
    s += fmt::format(", {:.3g} {}/s", rate, unit_);
    if (done < total_) {
      const double left = static_cast<double>(total_ - done) / rate;
      s += left < 90 ? fmt::format(", about {:.0f} s left", std::ceil(left))
                     : fmt::format(", about {:.0f} min left", std::ceil(left / 60));
    }
  }
  return s;
}

void Progress::advance(size_t n, Clock::time_point now) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  done_ += n;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < delay_s_) return;
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  const bool last = done_ >= total_;
  if (terminal_) {
    if (drawn_ && since < 0.2 && !last) return;
    fmt::print(out_, "\r{}\x1b[K", line(done_, elapsed));
  } else {
    if (drawn_ && since < plain_interval_s_ && !last) return;
    fmt::print(out_, "{}\n", line(done_, elapsed));
  }
  std::fflush(out_);
  drawn_ = true;
  last_draw_ = now;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (drawn_ && terminal_) fmt::print(out_, "\n");
  drawn_ = false;
  enabled_ = false;
}

}  // namespace dtsim::cli
