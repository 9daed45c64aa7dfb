// Bad input through the real binary (issue 11): special files, complex YAML keys, bytes that
// are not UTF-8. Each pins exit status 2, the one-line message and that no output was written.
#include <sys/stat.h>

#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::bad_input {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

/** A collective sweep on a switch of 8 GPUs; `device` is the device line's value. */
std::string sweep_scenario(const std::string& topology, const std::string& device = kDevice) {
  return "name: s\n"
         "cluster:\n"
         "  topology: " + topology + "\n"
         "  device: " + device + "\n"
         "workload: {kind: collective_sweep, collective: all_reduce, algorithm: ring,\n"
         "           sizes: {min: 1MiB, max: 1MiB}}\n";
}

const std::string kSwitch = "{builder: switch, endpoints: 8, link: {class: nvlink, bandwidth: "
                            "450GB/s, latency: 1us}}";

TEST_F(CliTest, AFifoAsTheScenarioIsRefusedNotReadForever) {
  // Reading a FIFO blocks until a writer comes: it must be refused before it is opened.
  const std::string fifo = path("s.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result r = dtsim("run '" + fifo + "' --report '" + path("r.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, fifo + ": error: is not a regular file (a FIFO, device or socket): expected a "
                          "scenario file\n");
}

TEST_F(CliTest, ADeviceAsTheTopologyIsRefusedNotReadToTheEnd) {
  // /dev/zero never ends: reading it whole would exhaust memory.
  std::string s = file("s.yaml", sweep_scenario("/dev/zero"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":3:13: error: cluster.topology: '/dev/zero' is not a regular file (a "
                       "folder, FIFO, device or socket)\n");
}

TEST_F(CliTest, AComplexYamlKeyIsAnErrorAtTheKey) {
  // `? [a, b]` makes a list the key of a map entry (line 3 of the device file, column 5).
  std::string dev = file("d.yaml",
                         "name: gpu\n"
                         "peak_flops:\n"
                         "  ? [a, b]\n"
                         "  : 1TFLOPS\n"
                         "hbm_capacity: 80GiB\nhbm_bandwidth: 3TB/s\n");
  std::string s = file("s.yaml", sweep_scenario(kSwitch, dev));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, dev + ":3:5: error: peak_flops: expected a plain key (a name); got a list as "
                         "a key\n");
}

TEST_F(CliTest, ANameThatIsNotUtf8IsAnErrorAtTheName) {
  // "\xff" is never part of UTF-8; the report (JSON) could not hold it.
  std::string s = file("s.yaml", "name: bad\xff name\n" + sweep_scenario(kSwitch).substr(8));
  Result r = dtsim("run '" + s + "' --report '" + path("r.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":1:7: error: name: expected UTF-8 text; got a byte that is not UTF-8 at "
                       "offset 3\n");
  EXPECT_FALSE(std::filesystem::exists(path("r.json")));
}

}  // namespace
}  // namespace dtsim::cli::bad_input
