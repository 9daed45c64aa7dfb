// Unit tests of the plots (tools/dtsim/plot.h): the gnuplot script dtsim writes, and the figure
// of a sweep's table (tools/dtsim/sweep/figure.h). The end-to-end runs of gnuplot are in
// cli_sweep_test.cpp and plan_cli_test.cpp.
#include "tools/dtsim/plot.h"

#include <gtest/gtest.h>

#include "simcore/error.h"
#include "tools/dtsim/sweep/figure.h"

namespace dtsim::cli {
namespace {

using json = nlohmann::ordered_json;

TEST(Plot, FormatFromTheFileName) {
  EXPECT_EQ(plot::plot_format("out/a.png"), "png");
  EXPECT_EQ(plot::plot_format("a.svg"), "svg");
  try {
    plot::plot_format("a.pdf");
    FAIL() << "a.pdf accepted";
  } catch (const simcore::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "<--plot a.pdf>: error: expected a file name ending in .png or .svg; got "
                 "\"a.pdf\"");
  }
  EXPECT_THROW(plot::plot_format(".png"), simcore::ConfigError);  // no name before the extension
}

TEST(Plot, ScriptHoldsTheDataInlineAndQuotesTitles) {
  // Two lines; a title with a quote (doubled inside gnuplot's single quotes) and an underscore
  // (printed as is: noenhanced); numbers with 17 significant digits (0.1 is not exact in binary).
  plot::Figure f{"it's a sweep",
                 "network.chunks",
                 "step_time_s",
                 0,
                 {},
                 {{"algorithm=ring", {{1, 0.1}, {2, 0.25}}}, {"algorithm=tree", {{1, 3}}}}};
  EXPECT_EQ(plot::gnuplot_script(f, "svg"),
            "# dtsim: it's a sweep\n"
            "set terminal svg size 900,600 dynamic noenhanced\n"
            "set title 'it''s a sweep'\n"
            "set xlabel 'network.chunks'\n"
            "set ylabel 'step_time_s'\n"
            "set grid\n"
            "set key below\n"
            "$d0 << EOD\n"
            "1 0.10000000000000001\n"
            "2 0.25\n"
            "EOD\n"
            "$d1 << EOD\n"
            "1 3\n"
            "EOD\n"
            "plot $d0 using 1:2 with linespoints title 'algorithm=ring', \\\n"
            "     $d1 using 1:2 with linespoints title 'algorithm=tree'\n");
}

TEST(Plot, ScriptForCategoriesAndALogAxis) {
  plot::Figure f{"t", "x", "y", 2, {"ring", "tree"}, {{"s", {{0, 1}, {1, 2}}}, {"empty", {}}}};
  const std::string s = plot::gnuplot_script(f, "png");
  EXPECT_NE(s.find("set terminal pngcairo size 900,600 noenhanced\n"), std::string::npos) << s;
  EXPECT_NE(s.find("set logscale x 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("set xtics ('ring' 0, 'tree' 1)\nset xrange [-0.5:1.5]\n"), std::string::npos)
      << s;
  // A series without points gets no plot clause (gnuplot refuses an empty data block).
  EXPECT_NE(s.find("plot $d0 using 1:2 with linespoints title 's'\n"), std::string::npos) << s;
}

/** A 2x2 sweep's rows (network.chunks x workload.algorithm), the values made up for the test. */
std::vector<json> rows_2x2() {
  std::vector<json> rows;
  const char* chunks[] = {"4", "1"};
  const char* alg[] = {"ring", "tree"};
  size_t p = 0;
  for (const char* c : chunks)
    for (const char* a : alg) {
      json r;
      r["point"] = p;
      r["network.chunks"] = c;
      r["workload.algorithm"] = a;
      r["step_time_s"] = 10.0 * (p + 1);
      r["fits"] = true;
      r["error"] = "";
      rows.push_back(r);
      ++p;
    }
  return rows;
}

TEST(SweepFigure, FirstVaryingAxisIsXAndTheOtherMakesTheLines) {
  sweep::SweepMeta meta;
  meta.scenario = "dir/s.yaml";
  meta.axes = {"network.chunks", "workload.algorithm"};
  const plot::Figure f = sweep::sweep_figure(meta, rows_2x2(), "step_time_s");
  EXPECT_EQ(f.title, "s.yaml: step_time_s");
  EXPECT_EQ(f.x_label, "network.chunks");
  EXPECT_TRUE(f.x_labels.empty());  // numbers: a numeric axis
  ASSERT_EQ(f.series.size(), 2u);
  // Points 0 (chunks 4, ring) and 2 (chunks 1, ring), drawn left to right: x 1 then 4.
  EXPECT_EQ(f.series[0].title, "workload.algorithm=ring");
  EXPECT_EQ(f.series[0].points, (std::vector<std::pair<double, double>>{{1, 30}, {4, 10}}));
  EXPECT_EQ(f.series[1].title, "workload.algorithm=tree");
  EXPECT_EQ(f.series[1].points, (std::vector<std::pair<double, double>>{{1, 40}, {4, 20}}));
}

TEST(SweepFigure, CategoriesFailedRowsAndConstantAxes) {
  sweep::SweepMeta meta;
  meta.scenario = "s.yaml";
  meta.axes = {"network.chunks", "workload.algorithm"};
  auto rows = rows_2x2();
  rows[0]["error"] = "could not run";  // left out
  rows[1]["network.chunks"] = "1";     // now chunks is 1 on every plotted row: not varied
  const plot::Figure f = sweep::sweep_figure(meta, rows, "step_time_s");
  EXPECT_EQ(f.x_label, "workload.algorithm");
  EXPECT_EQ(f.x_labels, (std::vector<std::string>{"tree", "ring"}));  // in grid order
  ASSERT_EQ(f.series.size(), 1u);
  EXPECT_EQ(f.series[0].title, "step_time_s");
  EXPECT_EQ(f.series[0].points,
            (std::vector<std::pair<double, double>>{{0, 20}, {1, 30}, {0, 40}}));
}

TEST(SweepFigure, QuantitiesWithUnitsAreNumbersInTheirBaseUnit) {
  // 1, 10 and 100 Gbps are 1e9/8 = 1.25e8, 1.25e9 and 1.25e10 bytes/s (simcore/units.h); over
  // two decades, so a log axis. "500Mbps" and "1GB/s" would mix fine too: one kind, a rate.
  sweep::SweepMeta meta;
  meta.axes = {"cluster.topology.nic.bandwidth"};
  std::vector<json> rows;
  const char* rates[] = {"100Gbps", "1Gbps", "10Gbps"};
  for (size_t p = 0; p < 3; ++p)
    rows.push_back(
        {{"point", p}, {meta.axes[0], rates[p]}, {"step_time_s", 1.0 + p}, {"error", ""}});
  const plot::Figure f = sweep::sweep_figure(meta, rows, "step_time_s");
  EXPECT_EQ(f.x_label, "cluster.topology.nic.bandwidth (bytes/s)");
  EXPECT_EQ(f.log_x_base, 10);
  ASSERT_EQ(f.series.size(), 1u);
  EXPECT_EQ(f.series[0].points,
            (std::vector<std::pair<double, double>>{{1.25e8, 2}, {1.25e9, 3}, {1.25e10, 1}}));
}

TEST(SweepFigure, AColumnWithNoNumberIsRefused) {
  sweep::SweepMeta meta;
  meta.axes = {"network.chunks", "workload.algorithm"};
  try {
    sweep::sweep_figure(meta, rows_2x2(), "tokens_per_s");
    FAIL() << "accepted";
  } catch (const simcore::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "<--plot-metric tokens_per_s>: error: no row has a number in column "
                 "\"tokens_per_s\"; the columns with numbers: step_time_s");
  }
}

}  // namespace
}  // namespace dtsim::cli
