#pragma once
/**
 * An std::ostream that gzip-compresses (RFC 1952, zlib's deflate at level 6) into another
 * ostream, for outputs named `*.gz` (traces of large runs compress about 10x).
 *
 *     GzipOstream gz(file);
 *     gz << text;
 *     gz.finish();   // writes the trailer; errors: ConfigError
 */
#include <zlib.h>

#include <array>
#include <ostream>
#include <streambuf>

namespace dtsim::cli {

class GzipStreambuf : public std::streambuf {
 public:
  explicit GzipStreambuf(std::ostream& sink);
  ~GzipStreambuf() override;
  /** Flushes everything and writes the gzip trailer. Errors: ConfigError on a zlib or write
   *  error. */
  void finish();

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  void deflate_buffer(int flush);
  std::ostream& sink_;
  z_stream z_{};
  std::array<char, 1 << 16> in_{}, out_{};
  bool finished_ = false;
};

class GzipOstream : public std::ostream {
 public:
  explicit GzipOstream(std::ostream& sink) : std::ostream(nullptr), buf_(sink) { rdbuf(&buf_); }
  void finish() { buf_.finish(); }

 private:
  GzipStreambuf buf_;
};

/** Whether `path` names a gzip output (ends in ".gz"). */
bool is_gzip_path(const std::string& path);

}  // namespace dtsim::cli
