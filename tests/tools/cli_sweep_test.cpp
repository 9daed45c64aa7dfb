// End-to-end tests of `dtsim sweep` and `dtsim merge`: grids, shards, the journal and --resume,
// ranks under mpirun, plots.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/cli_fixture.h"
#include "tools/dtsim/plot.h"
#include "tools/dtsim/sweep/ranks.h"

namespace dtsim::cli::sweep_cli {
namespace {

using namespace dtsim::test;

/** The point count, fingerprint and rows of a sweep's OUT.json. */
nlohmann::json results(const std::string& p) { return nlohmann::json::parse(slurp(p)); }

TEST_F(CliTest, SweepCrossesItsAxesAndMatchesTheClosedForms) {
  // 2 algorithms x 2 back-ends = 4 points, in that order (the last axis varies fastest).
  // ring: 2(n-1)(2a + S/(nB)) = 4.203662649e-3 s; halving-doubling: 2 log2(n) 2a + 2(n-1)/n S/B
  // = 4.187662649e-3 s (see validation/cases); both back-ends agree to 1 ns on this topology.
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("sweep '" + s + "' --grid workload.algorithm=ring,halving_doubling --grid "
                   "network.model=flow,analytical -j 2 -q --out '" + path("sw") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = csv_rows(slurp(path("sw.csv")));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"point", "workload.algorithm", "network.model",
                                               "step_time_s", "compute_s", "communication_s",
                                               "exposed_communication_s", "mfu", "tokens_per_s",
                                               "memory_GiB", "fits", "error"}));
  const double want[] = {4.203662649e-3, 4.203662649e-3, 4.18766264888889e-3, 4.18766264888889e-3};
  const char* algo[] = {"ring", "ring", "halving_doubling", "halving_doubling"};
  const char* model[] = {"flow", "analytical", "flow", "analytical"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i + 1][0], std::to_string(i));
    EXPECT_EQ(rows[i + 1][1], algo[i]);
    EXPECT_EQ(rows[i + 1][2], model[i]);
    EXPECT_NEAR(std::stod(rows[i + 1][3]), want[i], 1e-9) << i;
    EXPECT_EQ(rows[i + 1][11], "") << i;
  }
  auto j = nlohmann::json::parse(slurp(path("sw.json")));
  EXPECT_EQ(j["points"], 4);
  EXPECT_EQ(j["rows"].size(), 4u);
}

TEST_F(CliTest, SweepZipBlockShardsAndPointsThatCannotRun) {
  // A zip axis pairs values; a point that cannot run (12 ranks on an 8-rank cluster) is a row
  // with its error, not the end of the sweep. Shard 1/2 runs the odd points only.
  std::string s = file("s.yaml", ring_scenario() +
                                     "sweep:\n  zip: {workload.ranks: [2, 12, 4, 8],"
                                     " workload.iterations: [1, 1, 2, 2]}\n");
  Result all = dtsim("sweep '" + s + "' -q --out '" + path("all") + "'");
  ASSERT_EQ(all.status, 0) << all.err;
  auto rows = csv_rows(slurp(path("all.csv")));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[2][1], "12");
  auto j = nlohmann::json::parse(slurp(path("all.json")));
  std::string err = j["rows"][1]["error"];
  EXPECT_NE(err.find("a collective over 12 ranks, but the cluster has only 8"), std::string::npos)
      << err;
  EXPECT_EQ(j["rows"][2]["error"], "");
  // Point 2: 4 ranks, 2 iterations of a 1 GiB ring all-reduce back to back:
  // 2 x 2(n-1)(2a + S/(nB)) = 2 x 6 x (2e-6 + 2^28 / 450e9) = 7.182278826666e-3 s.
  EXPECT_NEAR(j["rows"][2]["step_time_s"].get<double>(), 7.182278826666e-3, 1e-9);
  Result half = dtsim("sweep '" + s + "' -q --shard 1/2 --out '" + path("half") + "'");
  ASSERT_EQ(half.status, 0) << half.err;
  auto odd = csv_rows(slurp(path("half.csv")));
  ASSERT_EQ(odd.size(), 3u);
  EXPECT_EQ(odd[1][0], "1");
  EXPECT_EQ(odd[2][0], "3");
}

TEST_F(CliTest, SweepRejectsABadGridOrShard) {
  std::string s = file("s.yaml", ring_scenario());
  Result g = dtsim("sweep '" + s + "' --grid workload.algorithm");
  EXPECT_EQ(g.status, 2);
  EXPECT_EQ(g.err, "<--grid workload.algorithm>: error: expected key.path=[v1, v2, ...] or "
                   "key.path=v1,v2,...; got \"workload.algorithm\"\n");
  // I out of range, N zero, not numbers, signs, spaces, trailing text: one line naming it.
  for (const std::string bad : {"2/2", "3/2", "0/0", "a/b", "1", "/2", "1/", "-1/2", "+1/2",
                                "1/2x", " 1/2", "1/ 2", "1//2", "99999999999/2"}) {
    Result sh = dtsim("sweep '" + s + "' --shard '" + bad + "' --out '" + path("x") + "'");
    EXPECT_EQ(sh.status, 2) << bad;
    EXPECT_EQ(sh.err, "<--shard " + bad + ">: error: expected I/N with 0 <= I < N; got \"" + bad +
                          "\"\n");
  }
  EXPECT_EQ(listing(), (std::vector<std::string>{"s.yaml"}));
}

TEST_F(CliTest, ShardsWithoutOutWriteFilesOfTheirOwn) {
  // A batch array's shards share a folder: without --out, shard I/N writes sweep.I-of-N.*.
  std::string s = file("s.yaml", ring_scenario());
  for (const char* shard : {"0/2", "1/2"}) {
    Result r = shell("cd '" + dir_.string() + "' && '" + kBinary + "' sweep s.yaml -q --shard " +
                     shard + " --grid network.chunks=1,2,3");
    ASSERT_EQ(r.status, 0) << r.err;
  }
  EXPECT_EQ(listing(), (std::vector<std::string>{"s.yaml", "sweep.0-of-2.csv", "sweep.0-of-2.json",
                                                 "sweep.1-of-2.csv", "sweep.1-of-2.json"}));
  // Points 0 and 2 in shard 0/2, point 1 in shard 1/2 (i % 2).
  EXPECT_EQ(results(path("sweep.0-of-2.json"))["rows"].size(), 2u);
  EXPECT_EQ(results(path("sweep.1-of-2.json"))["rows"][0]["point"], 1);
}



TEST_F(CliTest, GridValuesAreYamlListsSoMapsCanBeSwept) {
  // A bracketed axis holds YAML values: here two whole `network` maps. The ring's closed form
  // 2(n-1)(2a + S/(nB)) = 4.203662649e-3 s (above) on both back-ends; the comma shorthand keeps a
  // braced value whole (one point, not two).
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("sweep '" + s + "' -q -j 1 --out '" + path("sw") +
                   "' --grid 'network=[{model: flow, chunks: 1}, {model: analytical}]'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = results(path("sw.json"));
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["network"], "{model: flow, chunks: 1}");
  EXPECT_EQ(j["rows"][1]["network"], "{model: analytical}");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(j["rows"][i]["error"], "") << i;
    EXPECT_NEAR(j["rows"][i]["step_time_s"].get<double>(), 4.203662649e-3, 1e-9) << i;
  }
  Result one = dtsim("sweep '" + s + "' -q -j 1 --out '" + path("one") +
                     "' --grid 'network={model: analytical, chunks: 2}'");
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(results(path("one.json"))["rows"].size(), 1u);
}

TEST_F(CliTest, SetAddsASweepAxisAndNoSweepIgnoresTheBlock) {
  // `--set sweep.product.workload.ranks=[2, 4]` nests maps under `product`; the sweep follows
  // them down to the list: two points. `--no-sweep` ignores the block: one point.
  std::string s = file("s.yaml", ring_scenario() + "sweep: {product: {network.chunks: [1, 2, 4]}}\n");
  Result r = dtsim("sweep '" + s + "' -q -j 1 --out '" + path("a") +
                   "' --set 'sweep.product.workload.ranks=[2, 4]'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto a = results(path("a.json"));
  EXPECT_EQ(a["points"], 6);  // 3 chunk counts x 2 rank counts
  EXPECT_EQ(a["axes"], (nlohmann::json{"network.chunks", "workload.ranks"}));
  // Point 1: chunks 1, 4 ranks: 2(n-1)(2a + S/(nB)) = 6 x (2 us + 2^28 B / 450e9 B/s).
  EXPECT_NEAR(a["rows"][1]["step_time_s"].get<double>(), 6 * (2e-6 + 268435456.0 / 450e9), 1e-9);
  Result n = dtsim("sweep '" + s + "' -q --no-sweep --out '" + path("n") + "'");
  ASSERT_EQ(n.status, 0) << n.err;
  EXPECT_EQ(results(path("n.json"))["points"], 1);
}

TEST_F(CliTest, BadGridsAreRefusedWithNoOutput) {
  std::string s = file("s.yaml", ring_scenario());
  struct Case {
    std::string grid, err;
  } cases[] = {
      {"network.chunks=[]", "<--grid network.chunks=[]>: error: an empty list of values: the axis "
                            "has no points\n"},
      {"network.chunks=1,,2", "<--grid network.chunks=1,,2>: error: empty value in the list\n"},
      {"network.chunks=[1, 2", "<--grid network.chunks=[1, 2>: error: invalid YAML list: end of "
                               "sequence flow not found\n"},
      {"network..chunks=1", "<--grid network..chunks=1>: error: empty key segment in "
                            "\"network..chunks\"\n"},
      // A key that does not exist fails every point: bad input, with "did you mean".
      {"network.chunkz=1,2", "<--set network.chunkz=1>: error: network.chunkz: unknown key "
                             "'chunkz'; did you mean 'chunks'? (every point of the sweep failed; "
                             "the first is point 0)\n"},
  };
  for (const auto& c : cases) {
    Result r = dtsim("sweep '" + s + "' -q --out '" + path("sw") + "' --grid '" + c.grid + "'");
    EXPECT_EQ(r.status, 2) << c.grid;
    EXPECT_EQ(r.err, c.err) << c.grid;
    EXPECT_EQ(listing(), std::vector<std::string>{"s.yaml"}) << c.grid;
  }
  Result twice = dtsim("sweep '" + s + "' -q --grid network.chunks=1 --grid network.chunks=2");
  EXPECT_EQ(twice.status, 2);
  EXPECT_EQ(twice.err, "<--grid network.chunks=...>: error: two axes set 'network.chunks': give "
                       "its values once\n");
  // 100^4 = 1e8 points: refused before any point is built.
  const std::string hundred = "[" + [] {
    std::string v;
    for (int i = 1; i <= 100; ++i) v += (i > 1 ? ", " : "") + std::to_string(i);
    return v;
  }() + "]";
  Result big = dtsim("sweep '" + s + "' -q --grid 'a=" + hundred + "' --grid 'b=" + hundred +
                     "' --grid 'c=" + hundred + "' --grid 'd=" + hundred + "'");
  EXPECT_EQ(big.status, 2);
  EXPECT_EQ(big.err, "error: the sweep has 1e+08 points, more than the limit of 1e+06: fewer "
                     "values per axis or fewer axes\n");
}

TEST_F(CliTest, ResumeSkipsThePointsTheJournalHolds) {
  // A finished sweep removes its journal. A killed one leaves it: here written by hand from a
  // finished sweep's fingerprint, holding point 0 with a step time no run gives (1234 s) and a
  // last line cut short by the kill. --resume keeps point 0's row as journalled (so it was not
  // run again), runs points 1 and 2, and removes the journal.
  std::string s = file("s.yaml", ring_scenario());
  const std::string grid = " --grid network.chunks=1,2,4";
  Result first = dtsim("sweep '" + s + "' -q --out '" + path("sw") + "'" + grid);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_FALSE(fs::exists(path("sw.journal")));
  auto done = results(path("sw.json"));
  nlohmann::json head = {{"dtsim_sweep_journal", 1}, {"fingerprint", done["fingerprint"]},
                         {"points", 3}, {"shard", "0/1"}};
  nlohmann::json row0 = done["rows"][0];
  row0["step_time_s"] = 1234.0;
  file("sw.journal", head.dump() + "\n" + row0.dump() + "\n{\"point\": 1, \"step_ti");
  Result resumed = dtsim("sweep '" + s + "' --resume --out '" + path("sw") + "'" + grid);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("3 points (3 in this shard, 1 resumed from the journal)"),
            std::string::npos)
      << resumed.out;
  auto j = results(path("sw.json"));
  EXPECT_EQ(j["rows"][0]["step_time_s"], 1234.0);
  EXPECT_EQ(j["rows"][1], done["rows"][1]);
  EXPECT_EQ(j["rows"][2], done["rows"][2]);
  EXPECT_FALSE(fs::exists(path("sw.journal")));

  // A journal of another sweep (other values) is refused; so is a missing one.
  file("sw.journal", head.dump() + "\n");
  Result other = dtsim("sweep '" + s + "' -q --resume --out '" + path("sw") +
                       "' --grid network.chunks=1,2");
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.err.find(path("sw.journal") + ":1:1: error: --resume: this journal is of "
                           "another sweep"),
            std::string::npos)
      << other.err;
  fs::remove(path("sw.journal"));
  Result none = dtsim("sweep '" + s + "' -q --resume --out '" + path("sw") + "'" + grid);
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(none.err, path("sw.journal") + ": error: --resume: no journal here (the sweep has "
                      "not run with this --out, or it finished and removed it)\n");
}

TEST_F(CliTest, MergeJoinsShardsInPointOrder) {
  // Shards 0/2 and 1/2 of a 4-point sweep merge into the same table as the unsharded sweep.
  std::string s = file("s.yaml", ring_scenario());
  const std::string grid = " --grid network.chunks=1,2,3,4";
  for (const char* shard : {"0/2", "1/2"})
    ASSERT_EQ(dtsim("sweep '" + s + "' -q --shard " + shard + " --out '" + path(std::string("s") +
                    shard[0]) + "'" + grid).status, 0);
  ASSERT_EQ(dtsim("sweep '" + s + "' -q --out '" + path("all") + "'" + grid).status, 0);
  Result m = dtsim("merge -q --out '" + path("m") + "' '" + path("s1.json") + "' '" +
                   path("s0.json") + "'");
  ASSERT_EQ(m.status, 0) << m.err;
  // Byte for byte: the same rows, columns, numbers and metadata as the unsharded run.
  EXPECT_EQ(slurp(path("m.csv")), slurp(path("all.csv")));
  EXPECT_EQ(slurp(path("m.json")), slurp(path("all.json")));

  Result half = dtsim("merge -q --out '" + path("h") + "' '" + path("s0.json") + "'");
  EXPECT_EQ(half.status, 2);
  EXPECT_EQ(half.err, "<dtsim merge>: error: 2 of the sweep's 4 points are in no shard given "
                      "(the first: 1): give every shard's OUT.json\n");
  Result twice = dtsim("merge -q --out '" + path("h") + "' '" + path("s0.json") + "' '" +
                       path("s0.json") + "'");
  EXPECT_EQ(twice.status, 2);
  EXPECT_EQ(twice.err, path("s0.json") + ": error: shard 0/2 is given twice\n");
  ASSERT_EQ(dtsim("sweep '" + s + "' -q --out '" + path("o") + "' --grid network.chunks=1,2").status, 0);
  Result other = dtsim("merge -q --out '" + path("h") + "' '" + path("s0.json") + "' '" +
                       path("o.json") + "'");
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.err.find("error: a shard of another sweep"), std::string::npos) << other.err;
  Result notjson = dtsim("merge -q --out '" + path("h") + "' '" + s + "'");
  EXPECT_EQ(notjson.status, 2);
  EXPECT_NE(notjson.err.find("error: not JSON"), std::string::npos) << notjson.err;
  // A number no double holds (nlohmann's out_of_range 406, not a parse_error): still "not JSON",
  // exit 2, the message cut at 200 characters of the 400-digit token.
  const std::string huge = file("huge.json", "{\"rows\": " + std::string(400, '9') + "}\n");
  Result overflow = dtsim("merge -q --out '" + path("h") + "' '" + huge + "'");
  EXPECT_EQ(overflow.status, 2);
  EXPECT_NE(overflow.err.find(huge + ": error: not JSON: [json.exception.out_of_range.406] "
                              "number overflow parsing '999"),
            std::string::npos)
      << overflow.err;
  EXPECT_LT(overflow.err.size(), 320u);
  // JSON, but not a sweep's table (a run's report): refused, naming the file.
  const std::string report = file("report.json", "{\"step_time_s\": 1.0}\n");
  Result notshard = dtsim("merge -q --out '" + path("h") + "' '" + path("s0.json") + "' '" +
                          report + "'");
  EXPECT_EQ(notshard.status, 2);
  EXPECT_EQ(notshard.err, report + ": error: expected the OUT.json of `dtsim sweep` (a string "
                                   "\"scenario\")\n");
  EXPECT_FALSE(fs::exists(path("h.csv")));
  EXPECT_FALSE(fs::exists(path("h.json")));
}

/** `mpirun` for 2 ranks on this machine: as root (CI containers) Open MPI needs
 *  --allow-run-as-root; 2 ranks on fewer cores need --oversubscribe. */
std::string mpirun_2() {
  return "mpirun --allow-run-as-root --oversubscribe -np 2 '" + kBinary + "' ";
}

TEST_F(CliTest, MpiRanksShareTheSweepAndRankZeroWritesTheWholeTable) {
  if (!sweep::Ranks::built_with_mpi()) GTEST_SKIP() << "dtsim was built without MPI (DTSIM_MPI off)";
  if (shell("command -v mpirun >/dev/null").status != 0)
    GTEST_SKIP() << "no mpirun on PATH (Debian: openmpi-bin)";
  // 2 ranks x (rank K runs points i % 2 == K) = the same 5-point table, byte for byte, as one
  // process gives; each rank's journal is removed once rank 0 has written the table.
  std::string s = file("s.yaml", ring_scenario());
  const std::string grid = " --grid network.chunks=1,2,3,4,5";
  ASSERT_EQ(dtsim("sweep '" + s + "' -q -j 1 --out '" + path("one") + "'" + grid).status, 0);
  Result r = shell(mpirun_2() + "sweep '" + s + "' -j 1 --out '" + path("mpi") + "'" + grid +
                   " > '" + path("mpi.out") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(path("mpi.out")),
            "5 points on 2 ranks x 1 thread; 0 could not run\nresults       " + path("mpi") +
                ".csv and " + path("mpi") + ".json\n");
  EXPECT_EQ(slurp(path("mpi.csv")), slurp(path("one.csv")));
  EXPECT_EQ(slurp(path("mpi.json")), slurp(path("one.json")));
  EXPECT_FALSE(fs::exists(path("mpi.0-of-2.journal")));
  EXPECT_FALSE(fs::exists(path("mpi.1-of-2.journal")));

  // Bad input is reported once, by rank 0, with exit 2; --shard has no place under mpirun.
  Result bad = shell(mpirun_2() + "sweep '" + s + "' -q --out '" + path("bad") +
                     "' --grid workload.algorithm");
  EXPECT_NE(bad.status, 0);
  EXPECT_EQ(bad.err.rfind("<--grid workload.algorithm>: error: expected key.path=", 0), 0u)
      << bad.err;
  Result shard = shell(mpirun_2() + "sweep '" + s + "' -q --shard 0/2 --out '" + path("bad") + "'");
  EXPECT_NE(shard.status, 0);
  EXPECT_EQ(shard.err.rfind("<--shard 0/2>: error: not under mpirun: the 2 ranks already share "
                            "the points (rank K runs shard K/2)\n", 0), 0u)
      << shard.err;
  EXPECT_FALSE(fs::exists(path("bad.csv")));
}

TEST_F(CliTest, WithoutMpiRanksOfMpirunAreRefused) {
  if (sweep::Ranks::built_with_mpi())
    GTEST_SKIP() << "dtsim was built with MPI (the MPI test covers mpirun)";
  // What Open MPI's mpirun sets for each rank: a build without MPI would run the whole sweep on
  // every rank, all writing the same files.
  std::string s = file("s.yaml", ring_scenario());
  Result r = shell("OMPI_COMM_WORLD_SIZE=2 '" + kBinary + "' sweep '" + s + "' -q --out '" +
                   path("sw") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<mpirun>: error: this dtsim was built without MPI (DTSIM_MPI off), so every "
                   "rank would run the whole sweep: build with -DDTSIM_MPI=ON (Debian: "
                   "libopenmpi-dev), or run the ranks as shards (--shard I/N, then dtsim merge)\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"s.yaml"}));
}

TEST_F(CliTest, PlotWithoutGnuplotIsRefusedBeforeTheSweep) {
  // No gnuplot on PATH: exit 2 before any point runs, naming the package; nothing written.
  std::string s = file("s.yaml", ring_scenario());
  Result r = shell("PATH=/nonexistent '" + kBinary + "' sweep '" + s + "' -q --out '" +
                   path("sw") + "' --plot '" + path("p.svg") + "' --grid network.chunks=1,2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--plot " + path("p.svg") + ">: error: gnuplot is not installed (no gnuplot "
                   "on PATH): install the Debian package gnuplot-nox (apt-get install "
                   "gnuplot-nox), or leave out --plot\n");
  Result ext = dtsim("sweep '" + s + "' -q --out '" + path("sw") + "' --plot '" + path("p.pdf") +
                     "'");
  EXPECT_EQ(ext.status, 2);
  EXPECT_EQ(ext.err, "<--plot " + path("p.pdf") + ">: error: expected a file name ending in .png "
                     "or .svg; got \"" + path("p.pdf") + "\"\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"s.yaml"}));
}

TEST_F(CliTest, PlotDrawsTheSweepWithGnuplot) {
  if (plot::find_gnuplot().empty()) GTEST_SKIP() << "gnuplot is not installed (gnuplot-nox)";
  // 3 chunk counts x 2 algorithms: step time against network.chunks, a line per algorithm.
  std::string s = file("s.yaml", ring_scenario());
  const std::string grid = " --grid network.chunks=1,2,4 --grid workload.algorithm=ring,halving_doubling";
  Result r = dtsim("sweep '" + s + "' -q --out '" + path("sw") + "' --plot '" + path("p.svg") +
                   "'" + grid);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string svg = slurp(path("p.svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("workload.algorithm=halving_doubling"), std::string::npos);  // a line's legend
  EXPECT_NE(svg.find("network.chunks"), std::string::npos);             // the x label
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // A merge draws too; PNG by its extension (the file's magic number).
  Result m = dtsim("merge -q --out '" + path("m") + "' '" + path("sw.json") + "' --plot '" +
                   path("p.png") + "' --plot-metric communication_s");
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_EQ(slurp(path("p.png")).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A column with no numbers: exit 2 naming it (the tables are written; no plot file).
  Result bad = dtsim("merge -q --out '" + path("m") + "' '" + path("sw.json") + "' --plot '" +
                     path("q.svg") + "' --plot-metric tokens_per_s");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err.rfind("<--plot-metric tokens_per_s>: error: no row has a number in column "
                          "\"tokens_per_s\"", 0), 0u) << bad.err;
  EXPECT_FALSE(fs::exists(path("q.svg")));
}

}  // namespace
}  // namespace dtsim::cli::sweep_cli
