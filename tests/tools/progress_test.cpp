// Unit tests of the progress line (tools/dtsim/progress.h).
#include "tools/dtsim/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace dtsim::cli {
namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

TEST(Progress, LineGivesTheCountRateAndTimeLeft) {
  Progress p("sweep", "points", 100, false);
  // 25 of 100 after 10 s: 2.5 points/s, 75 left at that rate = 30 s.
  EXPECT_EQ(p.line(25, 10.0), "sweep: 25/100 points (25%), 2.5 points/s, about 30 s left");
  // 1 of 100 after 60 s: 99 left at 1/60 per s = 5940 s = 99 min.
  EXPECT_EQ(p.line(1, 60.0), "sweep: 1/100 points (1%), 0.0167 points/s, about 99 min left");
  EXPECT_EQ(p.line(100, 50.0), "sweep: 100/100 points (100%), 2 points/s");
  EXPECT_EQ(p.line(0, 0.0), "sweep: 0/100 points (0%)");
}

TEST(Progress, QuietBeforeTheDelayThenPlainLinesAtTheInterval) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const auto t0 = Progress::Clock::now();
  {
    // Not a terminal, 2 s delay, a line every 10 s and at the end.
    Progress p("sweep", "points", 4, true, f, 0, 2.0, 10.0);
    p.advance(1, t0 + std::chrono::seconds(1));   // before the delay: nothing
    p.advance(1, t0 + std::chrono::seconds(3));   // first line
    p.advance(1, t0 + std::chrono::seconds(5));   // within the interval: nothing
    p.advance(1, t0 + std::chrono::seconds(6));   // the last unit: a line
    p.finish();
  }
  const std::string out = read_all(f);
  std::fclose(f);
  // The constructor's clock started just before t0, so elapsed times are a hair above 3 and 6 s:
  // only the counts are pinned.
  EXPECT_EQ(out.find("sweep: 1/4"), std::string::npos);
  EXPECT_NE(out.find("sweep: 2/4 points (50%)"), std::string::npos) << out;
  EXPECT_EQ(out.find("sweep: 3/4"), std::string::npos) << out;
  EXPECT_NE(out.find("sweep: 4/4 points (100%)"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Progress, TerminalRedrawsOneLineAndEndsIt) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const auto t0 = Progress::Clock::now();
  Progress p("validate", "cases", 2, true, f, 1, 0.0, 10.0);
  p.advance(1, t0 + std::chrono::seconds(1));
  p.advance(1, t0 + std::chrono::seconds(2));
  p.finish();
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_EQ(out.substr(0, 1), "\r");
  EXPECT_NE(out.find("\rvalidate: 2/2 cases (100%)"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

}  // namespace
}  // namespace dtsim::cli
