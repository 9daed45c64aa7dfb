// `dtsim nccl-tests`: nccl-tests' command line run as a collective sweep, its table printed as
// nccl-tests prints it (src/common.cu), and its flags' bad values refused at the flag.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::nccl_tests {
namespace {

using test::CliTest;
using test::Result;

const std::string kCluster = " --topology " + test::kSource +
                             "/configs/topologies/hgx_h100_node.yaml --device " + test::kDevice;

/** The table's data rows (lines not starting with '#' before the summary), split on blanks. */
std::vector<std::vector<std::string>> rows(const std::string& out) {
  std::vector<std::vector<std::string>> table;
  std::stringstream ss(out);
  for (std::string line; std::getline(ss, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("scenario", 0) == 0) break;
    std::stringstream ls(line);
    std::vector<std::string> cells;
    for (std::string c; ls >> c;) cells.push_back(c);
    table.push_back(cells);
  }
  return table;
}

TEST_F(CliTest, NcclTestsAllReduceTableIsNcclTestsOwn) {
  // -b 1M -e 4M -f 2: sizes 1, 2, 4 MiB; count = bytes / 4 (float); redop sum, root -1;
  // each row: out-of-place time algbw busbw #wrong, then the same four in-place (one run).
  Result r = dtsim("nccl-tests all_reduce_perf -b 1M -e 4M -f 2 -g 8" + kCluster +
                   " --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("#       size         count      type   redop    root     time   algbw   "
                       "busbw #wrong     time   algbw   busbw #wrong\n"),
            std::string::npos)
      << r.out;
  auto t = rows(r.out);
  ASSERT_EQ(t.size(), 3u) << r.out;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  double busbw_sum = 0;
  for (size_t i = 0; i < 3; ++i) {
    const int64_t bytes = int64_t{1048576} << i;
    ASSERT_EQ(t[i].size(), 13u) << r.out;
    EXPECT_EQ(t[i][0], std::to_string(bytes));
    EXPECT_EQ(t[i][1], std::to_string(bytes / 4));
    EXPECT_EQ(t[i][2], "float");
    EXPECT_EQ(t[i][3], "sum");
    EXPECT_EQ(t[i][4], "-1");
    EXPECT_EQ(t[i][8], "N/A");
    for (size_t c = 5; c < 9; ++c) EXPECT_EQ(t[i][c], t[i][c + 4]);  // in-place = out-of-place
    const double busbw = j["sweep"][i]["busbw_GB_per_s"].get<double>();
    EXPECT_NEAR(std::stod(t[i][7]), busbw, 0.006);
    busbw_sum += busbw;
  }
  // nccl-tests' footer: the mean busbw over every row and both columns.
  const size_t at = r.out.find("# Avg bus bandwidth    : ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NEAR(std::stod(r.out.substr(at + 25)), busbw_sum / 3, 1e-3 * busbw_sum);
}

TEST_F(CliTest, NcclTestsAllGatherCountsPerRankAndReducesNothing) {
  // nccl-tests' all_gather_perf: size is the gathered buffer, count the elements each rank
  // contributes (size / 2 B per half / 8 ranks), redop "none".
  Result r = dtsim("nccl-tests all_gather_perf -b 1M -e 1M -g 8 -d half -q" + kCluster +
                   " --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  Result shown = dtsim("nccl-tests all_gather_perf -b 1M -e 1M -g 8 -d half" + kCluster);
  auto t = rows(shown.out);
  ASSERT_EQ(t.size(), 1u) << shown.out;
  EXPECT_EQ(t[0][1], std::to_string(1048576 / 2 / 8));
  EXPECT_EQ(t[0][2], "half");
  EXPECT_EQ(t[0][3], "none");
}

TEST_F(CliTest, NcclTestsBadFlagsAreErrorsAtTheFlag) {
  struct Case {
    std::string args, err;
  };
  const std::vector<Case> cases = {
      {"sendrecv_perf -g 2",
       "<sendrecv_perf>: error: expected an nccl-tests binary that dtsim models: "
       "all_gather_perf, all_reduce_perf, alltoall_perf, broadcast_perf, reduce_perf, "
       "reduce_scatter_perf; got \"sendrecv_perf\"\n"},
      {"all_reduce_perf -b 8 -e 1G -g 8",
       "<-i 1M>: error: additive size steps (-i, nccl-tests' default when -f is not given) are "
       "not modelled: give -f, e.g. -f 2\n"},
      {"all_reduce_perf -b 8x -g 8",
       "<-b 8x>: error: expected a size in bytes like 8, 128K, 32M or 8G (powers of 1024, as "
       "nccl-tests reads them); got \"8x\"\n"},
      {"all_reduce_perf -b 8 -e 4 -f 2 -g 8",
       "<-e 4>: error: the largest size (4 B) is below -b (8 B)\n"},
      {"all_reduce_perf -g 0", "<-g 0>: error: expected an integer in [1, 65536]; got 0\n"},
      {"all_reduce_perf -f 1 -b 8 -e 16", "<-f 1>: error: expected a factor > 1\n"},
      {"all_reduce_perf -g 64",
       "<dtsim nccl-tests command line>: error: workload.ranks: a collective over 64 ranks, but "
       "the cluster has only 8\n"},
  };
  for (const auto& c : cases) {
    Result r = dtsim("nccl-tests " + c.args + kCluster + " -q");
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_EQ(r.err, c.err) << c.args;
  }
  Result no_cluster = dtsim("nccl-tests all_reduce_perf -g 8");
  EXPECT_EQ(no_cluster.status, 2);
  EXPECT_NE(no_cluster.err.find("give the cluster: --topology FILE --device FILE"),
            std::string::npos)
      << no_cluster.err;
}

}  // namespace
}  // namespace dtsim::cli::nccl_tests
