#include "tools/dtsim/gzip_stream.h"

#include "simcore/error.h"

namespace dtsim::cli {

GzipStreambuf::GzipStreambuf(std::ostream& sink) : sink_(sink) {
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's (zlib manual, deflateInit2).
  if (deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw simcore::ConfigError("cannot start gzip compression (zlib)");
  setp(in_.data(), in_.data() + in_.size());
}

GzipStreambuf::~GzipStreambuf() { deflateEnd(&z_); }

void GzipStreambuf::deflate_buffer(int flush) {
  z_.next_in = reinterpret_cast<Bytef*>(pbase());
  z_.avail_in = static_cast<uInt>(pptr() - pbase());
  int rc = Z_OK;
  do {
    z_.next_out = reinterpret_cast<Bytef*>(out_.data());
    z_.avail_out = static_cast<uInt>(out_.size());
    rc = deflate(&z_, flush);
    if (rc == Z_STREAM_ERROR) throw simcore::ConfigError("gzip compression failed (zlib)");
    sink_.write(out_.data(), static_cast<std::streamsize>(out_.size() - z_.avail_out));
  } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  setp(in_.data(), in_.data() + in_.size());
}

GzipStreambuf::int_type GzipStreambuf::overflow(int_type c) {
  deflate_buffer(Z_NO_FLUSH);
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int GzipStreambuf::sync() { return 0; }  // compressed output is flushed by finish()

void GzipStreambuf::finish() {
  if (finished_) return;
  deflate_buffer(Z_FINISH);
  finished_ = true;
  if (!sink_) throw simcore::ConfigError("error while writing the compressed output");
}

bool is_gzip_path(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

}  // namespace dtsim::cli
