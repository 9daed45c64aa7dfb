#pragma once
/**
 * Progress on stderr for work that takes more than a couple of seconds: "sweep: 37/100 points
 * (37%), 2.1 points/s, about 30 s left". On a terminal one line is redrawn (at most 5 times a
 * second); otherwise a plain line is printed every `plain_interval_s`. Nothing is printed before
 * `delay_s` has passed, so quick commands stay quiet; `finish` ends the line if one was drawn.
 *
 * Thread safety: `advance` may be called from several threads.
 *
 *     Progress p("sweep", "points", 100);
 *     p.advance();  // one unit done
 *     p.finish();
 */
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace dtsim::cli {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  /** `total` units of `unit` (plural noun) for `label`; `out` (default stderr) and its being a
   *  terminal (default: isatty) can be given for tests; `enabled` false prints nothing. */
  Progress(std::string label, std::string unit, size_t total, bool enabled = true,
           std::FILE* out = stderr, int is_terminal = -1, double delay_s = 2.0,
           double plain_interval_s = 10.0);
  ~Progress();

  /** `n` more units done (at `now`; tests pass their own clock). */
  void advance(size_t n = 1, Clock::time_point now = Clock::now());
  /** Ends the redrawn line (a newline) if anything was drawn. */
  void finish();

  /** The line as it would be drawn with `done` units after `elapsed_s` seconds. */
  std::string line(size_t done, double elapsed_s) const;

 private:
  std::string label_, unit_;
  size_t total_ = 0, done_ = 0;
  bool enabled_ = true, terminal_ = false, drawn_ = false;
  std::FILE* out_;
  double delay_s_, plain_interval_s_;
  Clock::time_point start_, last_draw_;
  std::mutex mu_;
};

}  // namespace dtsim::cli
