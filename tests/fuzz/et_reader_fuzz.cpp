// libFuzzer target for the Chakra ET reader and importer (see tests/fuzz/README.md).
//
// Contract under test (models/workloads/chakra/et_reader.h, chakra_import.h): on any bytes,
// parse_et / read_et_file / import_chakra either succeed or throw simcore::ConfigError. Any other
// exception, a crash, or a sanitizer report (ASan, UBSan) is a bug.
//
// Each input is tried three ways:
//   1. parse_et on the bytes as they are (the plain .et stream);
//   2. when the bytes start with the gzip magic (1f 8b), read_et_file on an in-memory file
//      holding them, so the gunzip path is fuzzed too;
//   3. on success, import_chakra of the trace replicated on 4 ranks (so that send/recv peers
//      0..3 and collective groups are valid and reach the deeper checks), once in replay mode
//      and once in model mode, with comm groups "pg_all" = {0,1,2,3} and "pg_pair" = {0,1}.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/et_reader.h"
#include "simcore/error.h"

namespace {

namespace chakra = dtsim::workloads::chakra;

/** An in-memory file (memfd) rewritten for each input; its /proc path is what read_et_file opens. */
struct MemFile {
  int fd = -1;
  std::string path;
  MemFile() {
    fd = memfd_create("et_reader_fuzz", 0);
    if (fd >= 0) path = "/proc/self/fd/" + std::to_string(fd);
  }
  bool write(const uint8_t* data, size_t size) {
    if (fd < 0 || ftruncate(fd, 0) != 0) return false;
    return pwrite(fd, data, size, 0) == static_cast<ssize_t>(size);
  }
};

void import_all_ways(const chakra::RankTrace& t) {
  std::vector<chakra::RankTrace> ranks(4, t);
  for (bool replay : {true, false}) {
    chakra::ImportOptions opt;
    opt.replay_durations = replay;
    opt.comm_groups["pg_all"] = {0, 1, 2, 3};
    opt.comm_groups["pg_pair"] = {0, 1};
    chakra::ImportStats stats;
    try {
      dtsim::simcore::Workload w = chakra::import_chakra(ranks, opt, &stats);
      (void)w.op_count();
    } catch (const dtsim::simcore::ConfigError&) {
    }
  }
}

}  // namespace

// protobuf logs every string field with invalid UTF-8 it rejects; at thousands of inputs per
// second that drowns libFuzzer's own output, so logging is off (the parse still fails and the
// reader still throws).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    import_all_ways(chakra::parse_et(bytes, "fuzz.et"));
  } catch (const dtsim::simcore::ConfigError&) {
  }
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    static MemFile file;
    if (file.write(data, size)) {
      try {
        import_all_ways(chakra::read_et_file(file.path));
      } catch (const dtsim::simcore::ConfigError&) {
      }
    }
  }
  return 0;
}
