// The workload-kind registry: one table, looked up by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/support/config_error.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {
namespace {

TEST(WorkloadKindsTest, EveryKindHasAUniqueNameALoaderAndASchemaWithKind) {
  std::set<std::string> names;
  for (const WorkloadKind& k : workload_kinds()) {
    EXPECT_TRUE(names.insert(k.name).second) << k.name;
    EXPECT_NE(k.load, nullptr) << k.name;
    ASSERT_NE(k.schema, nullptr) << k.name;
    const std::vector<std::string> keys = k.schema->names();
    EXPECT_NE(std::find(keys.begin(), keys.end(), "kind"), keys.end()) << k.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"collective_sweep", "data_parallel", "transformer",
                                          "graph_json", "chakra", "diloco", "streaming_diloco",
                                          "sparseloco", "noloco", "decentralized", "fedavg",
                                          "moe_dispatch"}));
}

TEST(WorkloadKindsTest, LooksKindsUpByNameAndSuggestsTheNearestForATypo) {
  ConfigNode doc = ConfigNode::load_string("kind: transformer\ntypo: transfomer\n", "<test>");
  EXPECT_EQ(workload_kind(doc["kind"]).name, "transformer");
  EXPECT_EQ(test::config_error([&] { workload_kind(doc["typo"]); }),
            "typo: expected one of collective_sweep, data_parallel, transformer, graph_json, "
            "chakra, diloco, streaming_diloco, sparseloco, noloco, decentralized, fedavg, "
            "moe_dispatch; did you mean 'transformer'; got \"transfomer\"");
}

}  // namespace
}  // namespace dtsim::cli::kinds
