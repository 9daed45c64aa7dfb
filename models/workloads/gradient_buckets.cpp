#include "models/workloads/gradient_buckets.h"

#include <algorithm>

namespace dtsim::workloads {

std::vector<Bucket> assign_buckets(const std::vector<double>& source_bytes, double bucket_bytes) {
  std::vector<Bucket> out;
  double cur = 0;
  for (size_t i = 0; i < source_bytes.size(); ++i) {
    double b = source_bytes[i];
    while (b > 0) {
      double take = std::min(b, bucket_bytes - cur);
      cur += take;
      b -= take;
      if (cur >= bucket_bytes) {
        out.push_back({cur, static_cast<int>(i)});
        cur = 0;
      }
    }
  }
  if (cur > 0) out.push_back({cur, static_cast<int>(source_bytes.size()) - 1});
  return out;
}

}  // namespace dtsim::workloads
