#include <fmt/format.h>

#include <cstdio>

#include "tools/calibrate/harness.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/output_file.h"

namespace dtsim::cli {

int calibrate_command(const CalibrateOptions& o) {
  check_writable(o.out, "--out");
  calibrate::HarnessOptions h;
  h.backend = o.backend;
  h.quick = o.quick;
  h.threads = o.threads;
  h.log = o.quiet ? nullptr : stderr;
  calibrate::HarnessResult r = calibrate::run_harness(h);
  std::string text = calibrate::calibration_yaml(r);
  // What we write must load: parse it back through the loader before it reaches the file.
  try {
    (void)load_calibration_document(ConfigNode::load_string(text, o.out));
  } catch (const simcore::ConfigError& e) {
    // Minutes of measurements are not thrown away: the text goes beside the output, for the bug
    // report, and the output itself is not written.
    std::string kept = o.out + ".rejected";
    write_atomically(kept, [&](std::ostream& os) { os << text; });
    throw simcore::InternalError(fmt::format(
        "calibrate wrote a file it cannot load ({}): {}", kept, e.what()));
  }
  write_atomically(o.out, [&](std::ostream& os) { os << text; });
  if (!o.quiet) {
    for (const auto& held : r.held_out)
      fmt::print("held-out {}: median relative error {:.1f}% over {} points\n", held.table,
                 100 * held.median_relative_error, held.rows.size());
    fmt::print("wrote {}\n", o.out);
  }
  return 0;
}

}  // namespace dtsim::cli
