#pragma once
/** Test helper: a rail-optimized fat tree of `nodes` 8-GPU boxes with illustrative links. */
#include "simcore/time.h"
#include "topologies/builders.h"

namespace dtsim::test {

/** Illustrative link parameters (test inputs, not datasheet values); spine bandwidth 0 = the
 *  builder's default sizing. */
inline topologies::RailFatTreeParams rail_params(int nodes) {
  topologies::RailFatTreeParams p;
  p.nodes = nodes;
  p.nvlink = {"nvlink", 450e9, simcore::Time::ns(300)};
  p.pcie = {"pcie", 64e9, simcore::Time::ns(100)};
  p.nic = {"infiniband", 50e9, simcore::Time::ns(500)};
  p.spine = {"infiniband", 0, simcore::Time::ns(700)};
  return p;
}

}  // namespace dtsim::test
