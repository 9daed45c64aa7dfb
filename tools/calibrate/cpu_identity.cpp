#include "tools/calibrate/cpu_identity.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <string>

namespace dtsim::calibrate {

namespace {
/** The first value of each "key : value" line of a /proc file. */
std::map<std::string, std::string> proc_fields(const char* path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    out.emplace(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return out;
}
}  // namespace

compute::CalibrationDevice cpu_identity() {
  compute::CalibrationDevice d;
  d.backend = "cpu";
  auto cpu = proc_fields("/proc/cpuinfo");
  auto get = [&](const char* k) { return cpu.count(k) ? cpu[k] : std::string("unknown"); };
  d.name = get("model name");
  d.sku = fmt::format("{} (family {}, model {}, stepping {})", d.name, get("cpu family"),
                      get("model"), get("stepping"));
  auto mem = proc_fields("/proc/meminfo");
  if (mem.count("MemTotal")) d.memory_bytes = std::stod(mem["MemTotal"]) * 1024;  // "N kB"
  return d;
}

}  // namespace dtsim::calibrate
