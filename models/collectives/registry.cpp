#include "models/collectives/algorithm.h"

namespace dtsim::collectives {

// Each family defines its entry in its own file (algorithms/); adding one adds a line here.
const AlgorithmFamily& ring_algorithm();
const AlgorithmFamily& ring_bidirectional_algorithm();
const AlgorithmFamily& direct_algorithm();
const AlgorithmFamily& pairwise_algorithm();
const AlgorithmFamily& halving_doubling_algorithm();
const AlgorithmFamily& double_binary_tree_algorithm();
const AlgorithmFamily& hierarchical_algorithm();
const AlgorithmFamily& pccl_ring_algorithm();
const AlgorithmFamily& nccl_ring_algorithm();
const AlgorithmFamily& nccl_tree_algorithm();
const AlgorithmFamily& nvls_algorithm();
const AlgorithmFamily& nvls_tree_algorithm();
const AlgorithmFamily& nccl_algorithm();

std::span<const AlgorithmFamily* const> algorithm_families() {
  static const AlgorithmFamily* const table[] = {
      &ring_algorithm(),         &ring_bidirectional_algorithm(), &direct_algorithm(),
      &pairwise_algorithm(),     &halving_doubling_algorithm(),   &double_binary_tree_algorithm(),
      &hierarchical_algorithm(), &pccl_ring_algorithm(),
      &nccl_ring_algorithm(),
      &nccl_tree_algorithm(),
      &nvls_algorithm(),
      &nvls_tree_algorithm(),
      &nccl_algorithm()};
  return table;
}

}  // namespace dtsim::collectives
