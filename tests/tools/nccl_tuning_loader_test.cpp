// The NCCL constants' loader (tools/dtsim/nccl_tuning_loader.h): the shipped file loads for every
// NVIDIA device it lists, and bad files are refused at the key with what was expected.
#include "tools/dtsim/nccl_tuning_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "simcore/error.h"

namespace dtsim::cli {
namespace {

std::string shipped() {
  std::ifstream f(std::string(DTSIM_SOURCE_DIR) + "/configs/nccl/tuning.yaml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/** The shipped text with the first `from` replaced by `to`. */
std::string edited(const std::string& from, const std::string& to) {
  std::string s = shipped();
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    load_nccl_tuning(ConfigNode::load_string(text, "t.yaml"), "NVIDIA H100 SXM5 80GB");
  } catch (const simcore::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(NcclTuningLoader, EveryNvidiaDeviceConfigHasItsArchitecture) {
  for (const char* d : {"NVIDIA A100 SXM4 80GB", "NVIDIA H100 SXM5 80GB", "NVIDIA H200 SXM 141GB",
                        "NVIDIA H800 SXM5 80GB", "NVIDIA B200 (HGX, 1000 W)"})
    EXPECT_NE(builtin_nccl_tuning(d), nullptr) << d;
  EXPECT_EQ(builtin_nccl_tuning("NVIDIA B200 (HGX, 1000 W)")->arch, "blackwell");
}

TEST(NcclTuningLoader, AFractionAboveOneIsRefusedAtItsKey) {
  const std::string e = error_of(edited("ring_ll: 0.5", "ring_ll: 1.5"));
  EXPECT_NE(e.find("t.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("fractions.ring_ll: expected a fraction in (0, 1]; got \"1.5\""), std::string::npos)
      << e;
}

TEST(NcclTuningLoader, AnUnknownProtocolIsRefusedWithASuggestion) {
  const std::string e = error_of(edited("ring:      {LL: 6.6,", "ring:      {LLL: 6.6,"));
  EXPECT_NE(e.find("base_latency_us.ring"), std::string::npos) << e;
  EXPECT_NE(e.find("LLL"), std::string::npos) << e;
}

TEST(NcclTuningLoader, ACorrectionRowOfTheWrongLengthIsRefused) {
  const std::string e = error_of(edited("LL:     [1.0, 1.0, 1.0, 1.0,", "LL:     [1.0, 1.0, 1.0,"));
  EXPECT_NE(e.find("tree_correction.LL: expected a list of 24 factors"), std::string::npos) << e;
}

TEST(NcclTuningLoader, ADeviceUnderTwoArchitecturesIsRefused) {
  const std::string e =
      error_of(edited("devices: [\"NVIDIA A100 SXM4 80GB\"]", "devices: [\"NVIDIA H100 SXM5 80GB\"]"));
  EXPECT_NE(e.find("device \"NVIDIA H100 SXM5 80GB\" is listed under architectures ampere and "
                   "hopper"),
            std::string::npos)
      << e;
}

TEST(NcclTuningLoader, ASliceThatDoesNotDivideTheChunkIsRefusedAtItsKey) {
  // A Simple chunk of 4 steps cannot be sent in slices of 3 steps (NCCL: SlicePerChunk =
  // CHUNKSTEPS / SLICESTEPS must be whole).
  const std::string e = error_of(
      edited("slice_steps: {LL: 1, LL128: 1, Simple: 2}", "slice_steps: {LL: 1, LL128: 1, Simple: 3}"));
  EXPECT_NE(e.find("t.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("ring_pipeline.slice_steps.Simple: expected a divisor of chunk_steps.Simple (4)"),
            std::string::npos)
      << e;
}

TEST(NcclTuningLoader, AChunkOfMoreStepsThanTheBufferHoldsIsRefused) {
  const std::string e = error_of(
      edited("chunk_steps: {LL: 1, LL128: 1, Simple: 4}", "chunk_steps: {LL: 1, LL128: 1, Simple: 9}"));
  EXPECT_NE(e.find("ring_pipeline.chunk_steps.Simple"), std::string::npos) << e;
}

TEST(NcclTuningLoader, AChunkThatFillsTheWholeFifoIsRefused) {
  // A chunk of all 8 steps would leave no slot for the next one while the neighbour reads it.
  const std::string e = error_of(edited("chunk_steps: {LL: 1, LL128: 1, Simple: 4}",
                                        "chunk_steps: {LL: 1, LL128: 8, Simple: 4}"));
  EXPECT_NE(e.find("ring_pipeline.chunk_steps.LL128"), std::string::npos) << e;
}

TEST(NcclTuningLoader, ACutThroughThatIsNotABooleanIsRefusedAtItsKey) {
  const std::string e = error_of(edited("cut_through: {LL: true,", "cut_through: {LL: 2,"));
  EXPECT_NE(e.find("ring_pipeline.cut_through.LL"), std::string::npos) << e;
}

TEST(NcclTuningLoader, AMissingKeyIsReported) {
  const std::string e = error_of(edited("net_overhead_us: 1.0\n", ""));
  EXPECT_NE(e.find("net_overhead_us"), std::string::npos) << e;
}

}  // namespace
}  // namespace dtsim::cli
