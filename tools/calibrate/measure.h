#pragma once
/**
 * Timing helpers of the calibration harness (host clock).
 *
 * `median_seconds(fn, samples, min_sample_s)` runs `fn` once to warm up (page faults, caches,
 * library thread start-up), then takes `samples` samples; each sample runs `fn` back to back
 * enough times to last at least `min_sample_s` (so a microsecond kernel is not timed at the
 * clock's resolution) and yields the time per call. It returns the median of the samples, which
 * a few samples disturbed by other processes do not move.
 *
 * Units: seconds. Clock: std::chrono::steady_clock (monotonic).
 * Errors: InternalError for samples < 1 or a non-positive min_sample_s.
 */
#include <functional>
#include <vector>

namespace dtsim::calibrate {

double median_seconds(const std::function<void()>& fn, int samples, double min_sample_s);

/** The median of `v` (the mean of the two middle values for an even count). Errors:
 *  InternalError on an empty vector. */
double median(std::vector<double> v);

}  // namespace dtsim::calibrate
