#include "tools/calibrate/measure.h"

#include <algorithm>
#include <chrono>

#include "simcore/error.h"

namespace dtsim::calibrate {

double median(std::vector<double> v) {
  DTSIM_ASSERT(!v.empty(), "median of nothing");
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

double median_seconds(const std::function<void()>& fn, int samples, double min_sample_s) {
  DTSIM_ASSERT(samples >= 1 && min_sample_s > 0, "bad timing parameters");
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
  };
  auto t0 = clock::now();
  fn();  // warm-up, also the first estimate of the call's time
  double one = std::max(since(t0), 1e-9);
  long calls = std::max(1L, static_cast<long>(min_sample_s / one));
  std::vector<double> per_call;
  for (int s = 0; s < samples; ++s) {
    auto t = clock::now();
    for (long c = 0; c < calls; ++c) fn();
    per_call.push_back(since(t) / static_cast<double>(calls));
  }
  return median(std::move(per_call));
}

}  // namespace dtsim::calibrate
