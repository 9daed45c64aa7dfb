// NCCL where it was not found beside nvcc: not available.
#ifndef DTSIM_HAVE_NCCL
#include <stdexcept>

#include "tools/calibrate/cuda/nccl_backend.h"

namespace dtsim::calibrate {

struct NcclBackend::Impl {};

bool NcclBackend::available() { return false; }
NcclBackend::NcclBackend() { throw std::runtime_error("NCCL is not built in this dtsim"); }
NcclBackend::~NcclBackend() = default;
int NcclBackend::ranks() const { return 0; }
std::string NcclBackend::version() const { return {}; }
NcclRow NcclBackend::measure(const std::string&, int64_t, int, int) { return {}; }

}  // namespace dtsim::calibrate
#endif
