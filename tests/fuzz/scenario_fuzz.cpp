// libFuzzer target for the scenario loader (see tests/fuzz/README.md): the bytes are a scenario
// file; load_scenario parses it with every loader it reaches (topology builders and inline
// topologies, devices, models, workload kinds with their generators, link models, --set).
//
// Contract under test: on any bytes, load_scenario either returns a scenario or throws
// simcore::ConfigError. Another exception, a crash, a hang (libFuzzer's -timeout) or a sanitizer
// report (ASan, UBSan) is a bug. Paths in the scenario resolve against the memfd's folder, so
// only inline parts load; the seeds are written that way.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "simcore/error.h"
#include "tools/dtsim/scenario.h"

namespace {

/** An in-memory file (memfd) rewritten for each input; its /proc path is what the loader reads. */
struct MemFile {
  int fd = -1;
  std::string path;
  MemFile() {
    fd = memfd_create("scenario_fuzz", 0);
    if (fd >= 0) path = "/proc/self/fd/" + std::to_string(fd);
  }
  bool write(const uint8_t* data, size_t size) {
    if (fd < 0 || ftruncate(fd, 0) != 0) return false;
    return pwrite(fd, data, size, 0) == static_cast<ssize_t>(size);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemFile file;
  if (!file.write(data, size)) return 0;
  try {
    dtsim::cli::Scenario s = dtsim::cli::load_scenario(file.path);
    (void)s.workload.op_count();
  } catch (const dtsim::simcore::ConfigError&) {
  }
  return 0;
}
