#pragma once
/**
 * Gradient bucketing as PyTorch DDP and Megatron-LM do it: gradients, in the order the backward
 * pass produces them, are packed into buckets of at most `bucket_bytes`; a bucket can be reduced
 * once the backward op producing its last byte has run.
 *
 * Units: bytes. Errors: none (callers check bucket_bytes > 0).
 * Source: Li et al., "PyTorch Distributed: Experiences on Accelerating Data Parallel Training",
 * VLDB 2020, section 3.2.3 (default bucket 25 MiB).
 *
 *     auto b = assign_buckets({300, 500}, 400);   // {400 ready after source 1, 400 after 1}
 */
#include <vector>

namespace dtsim::workloads {

struct Bucket {
  double bytes;
  int ready_after;  ///< index of the source (in backward order) holding the bucket's last byte
};

/** `source_bytes[i]`: gradient bytes the i-th backward op produces. The last bucket may be
 *  smaller; no bucket is empty. */
std::vector<Bucket> assign_buckets(const std::vector<double>& source_bytes, double bucket_bytes);

}  // namespace dtsim::workloads
