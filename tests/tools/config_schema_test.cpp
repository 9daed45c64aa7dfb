// The config schema: keys declared once drive key checking and the README's key tables.
#include "tools/dtsim/config_schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/config_error.h"
#include "tools/dtsim/fault_config.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli {
namespace {

const KeySchema& example() {
  static const KeySchema schema(
      {KeySpec("collective", "the collective").mandatory().one_of({"all_reduce", "all_gather"}),
       KeySpec("iterations", "runs").defaults("1").checked(integer_in(1, 10)),
       KeySpec("sizes", "sizes")
           .with_keys({KeySpec("factor", "ratio")
                           .defaults("2")
                           .checked(number_above(1, "a factor > 1"))})});
  return schema;
}

std::string check(const std::string& yaml) {
  ConfigNode n = ConfigNode::load_string(yaml, "<test>");
  return test::config_error([&] { example().check(n); });
}

TEST(ConfigSchemaTest, ChecksUnknownMissingAndBadValuesInDeclarationOrder) {
  EXPECT_EQ(check("collective: all_reduce\nsizes: {factor: 4}\n"), "<no error>");
  EXPECT_EQ(check("collective: all_reduce\niteration: 2\n"),
            "iteration: unknown key 'iteration'; did you mean 'iterations'?");
  EXPECT_EQ(check("iterations: 2\n"), "(top level): missing key 'collective'");
  EXPECT_EQ(check("collective: all_gathr\n"),
            "collective: expected one of all_reduce, all_gather; did you mean 'all_gather'; got "
            "\"all_gathr\"");
  EXPECT_EQ(check("collective: all_reduce\niterations: 11\n"),
            "iterations: expected an integer in [1, 10]; got \"11\"");
  EXPECT_EQ(check("collective: all_reduce\nsizes: {factr: 4}\n"),
            "sizes.factr: unknown key 'factr'; did you mean 'factor'?");
  EXPECT_EQ(check("collective: all_reduce\nsizes: {factor: 1}\n"),
            "sizes.factor: expected a factor > 1; got \"1\"");
}

TEST(ConfigSchemaTest, MarkdownListsKeysNestedKeysDefaultsAndChoices) {
  EXPECT_EQ(example().markdown(),
            "| key | default | unit | meaning |\n"
            "|---|---|---|---|\n"
            "| `collective` | required |  | the collective: all_reduce \\| all_gather |\n"
            "| `iterations` | 1 |  | runs |\n"
            "| `sizes` |  |  | sizes |\n"
            "| `sizes.factor` | 2 |  | ratio |\n");
}

TEST(ConfigSchemaTest, TheReadmeShowsEachKindsKeyTable) {
  // The README's tables are the schema's: after a change, paste the table this test prints.
  std::ifstream in(std::string(DTSIM_SOURCE_DIR) + "/README.md");
  std::stringstream readme;
  readme << in.rdbuf();
  for (const kinds::WorkloadKind& k : kinds::workload_kinds()) {
    EXPECT_NE(readme.str().find(k.schema->markdown()), std::string::npos)
        << "README.md lacks the key table of workload kind " << k.name << ":\n"
        << k.schema->markdown();
  }
  for (const KeySchema* keys : {&fault_keys(), &fault_event_keys()})
    EXPECT_NE(readme.str().find(keys->markdown()), std::string::npos)
        << "README.md lacks the key table of faults:\n"
        << keys->markdown();
}

}  // namespace
}  // namespace dtsim::cli
