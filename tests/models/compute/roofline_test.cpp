#include "models/compute/roofline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simcore/error.h"
#include "simcore/time.h"
#include "simcore/workload.h"

namespace dtsim::compute {
namespace {

using simcore::ConfigError;
using simcore::Op;
using simcore::Time;
using simcore::Workload;

// A round-number device so every expectation is a closed form:
//   achievable FLOP rate  = 1e15 FLOP/s * 0.5  = 5e14 FLOP/s  (bf16)
//   achievable byte rate  = 1e12 B/s    * 0.5  = 5e11 B/s
//   ridge point           = 5e14 / 5e11       = 1000 FLOP/B
DeviceSpec test_device() {
  return DeviceSpec{.name = "Test GPU",
                    .sku = "",
                    .peak_flops_per_s = {{"bf16", 1e15}, {"fp32", 1e14}},
                    .hbm_capacity_bytes = 80e9,
                    .hbm_bw_bytes_per_s = 1e12,
                    .launch_overhead = Time::us(4),
                    .compute_efficiency = 0.5,
                    .memory_efficiency = 0.5};
}

DeviceSpec no_launch(DeviceSpec d) {
  d.launch_overhead = Time::zero();
  return d;
}

Op compute_op(Workload& w, double flops, double mem_bytes, std::string_view dtype = "bf16",
              std::string_view name = "gemm") {
  Op op;
  op.kind = simcore::OpKind::kCompute;
  op.flops = flops;
  op.mem_bytes = mem_bytes;
  op.dtype = w.intern(dtype);
  op.name = w.intern(name);
  return op;
}

TEST(RooflineTest, ComputeBoundOp) {
  // 1e12 FLOP at 5e14 FLOP/s = 2 ms; 1e8 B at 5e11 B/s = 0.2 ms.
  // t = max(2 ms, 0.2 ms) + 4 us = 2.004 ms = 2,004,000,000 ps.
  Workload w;
  RooflineModel model(test_device());
  simcore::ComputeCost c = model.cost(w, compute_op(w, 1e12, 1e8), 0);
  EXPECT_EQ(c.time, Time::ps(2'004'000'000));
  EXPECT_EQ(c.model, "roofline");
}

TEST(RooflineTest, MemoryBoundOp) {
  // 1e9 FLOP at 5e14 FLOP/s = 2 us; 1e9 B at 5e11 B/s = 2 ms.
  // t = max(2 us, 2 ms) + 4 us = 2.004 ms.
  Workload w;
  RooflineModel model(test_device());
  EXPECT_EQ(model.cost(w, compute_op(w, 1e9, 1e9), 0).time, Time::ps(2'004'000'000));
}

TEST(RooflineTest, SwitchesAtTheRidgePoint) {
  // Ridge at 1000 FLOP/B. At 1e9 B the memory term is 2 ms; at 1e12 FLOP so is the compute term.
  //   exactly at the ridge (1e12 FLOP, 1e9 B):        max(2 ms, 2 ms)         = 2 ms
  //   +5e8 FLOP (intensity 1000.5): compute term wins  = (1e12 + 5e8) / 5e14   = 2.001 ms
  //   +5e5 B    (intensity 999.5):  memory term wins   = (1e9 + 5e5) / 5e11    = 2.001 ms
  //   both +: the larger term wins, (1e12 + 1e9) / 5e14 = 2.002 ms vs 2.001 ms
  Workload w;
  RooflineModel model(no_launch(test_device()));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12, 1e9), 0).time, Time::ms(2));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12 + 5e8, 1e9), 0).time, Time::ps(2'001'000'000));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12, 1e9 + 5e5), 0).time, Time::ps(2'001'000'000));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12 + 1e9, 1e9 + 5e5), 0).time, Time::ps(2'002'000'000));
}

TEST(RooflineTest, LaunchOverheadIsAddedToEveryOp) {
  // An op with nothing to do costs the launch overhead alone: 4 us.
  Workload w;
  RooflineModel with(test_device());
  RooflineModel without(no_launch(test_device()));
  EXPECT_EQ(with.cost(w, compute_op(w, 0, 0), 0).time, Time::us(4));
  EXPECT_EQ(without.cost(w, compute_op(w, 0, 0), 0).time, Time::zero());
  // And it is added on top of the roofline time: 2 ms + 4 us.
  Op op = compute_op(w, 1e12, 0);
  EXPECT_EQ(with.cost(w, op, 0).time - without.cost(w, op, 0).time, Time::us(4));
}

TEST(RooflineTest, DtypeSelectsThePeak) {
  // fp32 peak 1e14 * 0.5 = 5e13 FLOP/s: 1e12 FLOP take 20 ms. An empty dtype means bf16: 2 ms.
  Workload w;
  RooflineModel model(no_launch(test_device()));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12, 0, "fp32"), 0).time, Time::ms(20));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e12, 0, ""), 0).time, Time::ms(2));
}

TEST(RooflineTest, UnsupportedDtypeIsAConfigError) {
  Workload w;
  RooflineModel model(test_device());
  try {
    model.cost(w, compute_op(w, 1e12, 0, "fp8", "attn_fwd"), 3);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "error: rank 3, op \"attn_fwd\": device \"Test GPU\" has no peak rate for dtype "
                 "\"fp8\"; supported dtypes: bf16, fp32");
  }
}

TEST(RooflineTest, EmptyDtypeOnADeviceWithoutBf16NamesBf16) {
  Workload w;
  DeviceSpec d = test_device();
  d.peak_flops_per_s = {{"fp32", 1e14}};
  RooflineModel model(d);
  try {
    model.cost(w, compute_op(w, 1, 0, "", ""), 0);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.message(),
              "rank 0: device \"Test GPU\" has no peak rate for dtype \"bf16\"; supported dtypes: "
              "fp32");
  }
}

TEST(RooflineTest, RoundsUpToTheNextPicosecond) {
  // bf16 at 5e14 FLOP/s is 0.002 ps per FLOP:
  //   1 FLOP = 0.002 ps -> 1 ps (a non-empty op never takes zero time)
  //   1000 FLOP = 2 ps exactly; 1001 FLOP = 2.002 ps -> 3 ps
  // fp32 at 5e13 FLOP/s is 0.02 ps per FLOP: 1e6 + 1 FLOP = 20000.02 ps -> 20001 ps.
  // Memory at 5e11 B/s is 2 ps per byte: 1e9 + 1 B = 2,000,000,002 ps, no rounding.
  Workload w;
  RooflineModel model(no_launch(test_device()));
  EXPECT_EQ(model.cost(w, compute_op(w, 1, 0), 0).time, Time::ps(1));
  EXPECT_EQ(model.cost(w, compute_op(w, 1000, 0), 0).time, Time::ps(2));
  EXPECT_EQ(model.cost(w, compute_op(w, 1001, 0), 0).time, Time::ps(3));
  EXPECT_EQ(model.cost(w, compute_op(w, 1e6 + 1, 0, "fp32"), 0).time, Time::ps(20'001));
  EXPECT_EQ(model.cost(w, compute_op(w, 0, 1e9 + 1), 0).time, Time::ps(2'000'000'002));
}

TEST(RooflineTest, PerRankDevices) {
  // Rank 0 as above; rank 1 twice as fast: 1e12 FLOP take 2 ms and 1 ms.
  DeviceSpec fast = no_launch(test_device());
  fast.name = "Fast GPU";
  fast.compute_efficiency = 1.0;
  RooflineModel model = RooflineModel::per_rank({no_launch(test_device()), fast});
  Workload w;
  Op op = compute_op(w, 1e12, 0);
  EXPECT_EQ(model.cost(w, op, 0).time, Time::ms(2));
  EXPECT_EQ(model.cost(w, op, 1).time, Time::ms(1));
  EXPECT_EQ(model.device(1).name, "Fast GPU");
  try {
    model.cost(w, op, 2);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.message(),
              "roofline compute model: no device for rank 2; devices are given for 2 ranks");
  }
}

TEST(RooflineTest, RejectsUnusableSpecs) {
  auto message_of = [](DeviceSpec d) -> std::string {
    try {
      RooflineModel m(std::move(d));
    } catch (const ConfigError& e) {
      return e.message();
    }
    return "no error";
  };
  DeviceSpec d = test_device();
  d.compute_efficiency = 1.2;
  EXPECT_EQ(message_of(d),
            "device \"Test GPU\": efficiency.compute: expected a fraction in (0, 1]; got 1.2");
  d = test_device();
  d.memory_efficiency = 0;
  EXPECT_EQ(message_of(d),
            "device \"Test GPU\": efficiency.memory: expected a fraction in (0, 1]; got 0");
  d = test_device();
  d.peak_flops_per_s["fp8"] = 0;
  EXPECT_EQ(message_of(d),
            "device \"Test GPU\": peak_flops.fp8: expected a positive rate; got 0 FLOP/s");
  d = test_device();
  d.peak_flops_per_s.clear();
  EXPECT_EQ(message_of(d), "device \"Test GPU\": peak_flops lists no dtype");
  d = test_device();
  d.hbm_bw_bytes_per_s = 0;
  EXPECT_EQ(message_of(d),
            "device \"Test GPU\": hbm_bandwidth: expected a positive rate; got 0 B/s");
  EXPECT_THROW(RooflineModel::per_rank({}), ConfigError);
}

TEST(RooflineTest, NonComputeOpIsAnInternalError) {
  Workload w;
  RooflineModel model(test_device());
  Op op = compute_op(w, 1, 0);
  op.kind = simcore::OpKind::kCollective;
  EXPECT_THROW(model.cost(w, op, 0), simcore::InternalError);
  op = compute_op(w, -1, 0);
  EXPECT_THROW(model.cost(w, op, 0), simcore::InternalError);
}

}  // namespace
}  // namespace dtsim::compute
