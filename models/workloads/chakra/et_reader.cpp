#include "models/workloads/chakra/et_reader.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>

#include "simcore/error.h"
#include "simcore/file_read.h"

namespace dtsim::workloads::chakra {

using simcore::ConfigError;

namespace {

/** Nodes per rank trace: each parsed node takes a few hundred bytes, so 10 M of them is a few
 *  GiB; real traces of one training step hold thousands to a few hundred thousand. */
constexpr size_t kMaxNodes = 10'000'000;

/** gunzips `data` (a whole gzip stream). */
std::string gunzip(const std::string& data, const std::string& file, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    throw ConfigError(simcore::SourceLocation{file, 0, 0}, "cannot start gzip decompression");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      size_t at = zs.total_in;
      inflateEnd(&zs);
      throw ConfigError(simcore::SourceLocation{file, 0, 0},
                        fmt::format("corrupt gzip stream near compressed byte offset {}", at));
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      throw ConfigError(simcore::SourceLocation{file, 0, 0},
                        fmt::format("the gzip stream inflates beyond {} MiB, the limit of a trace "
                                    "file; refusing it",
                                    max_bytes >> 20));
    }
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw ConfigError(simcore::SourceLocation{file, 0, 0},
                        fmt::format("truncated gzip stream ({} compressed bytes)", data.size()));
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace

RankTrace parse_et(const std::string& bytes, const std::string& file) {
  RankTrace t;
  t.file = file;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  size_t offset = 0;
  bool first = true;
  auto fail = [&](size_t at, const std::string& what) {
    throw ConfigError(simcore::SourceLocation{file, 0, 0}, fmt::format("byte offset {}: {}", at, what));
  };
  while (offset < size) {
    google::protobuf::io::CodedInputStream in(data + offset, static_cast<int>(std::min<size_t>(size - offset, 1u << 30)));
    uint32_t len = 0;
    if (!in.ReadVarint32(&len)) fail(offset, "truncated or malformed length prefix");
    size_t header = static_cast<size_t>(in.CurrentPosition());
    if (len > size - offset - header)
      fail(offset, fmt::format("length prefix {} runs beyond the end of the file ({} bytes left)",
                               len, size - offset - header));
    const uint8_t* msg = data + offset + header;
    if (first) {
      pb::GlobalMetadata meta;
      if (!meta.ParseFromArray(msg, static_cast<int>(len)))
        fail(offset, "the global-metadata message does not parse");
      t.version = meta.version();
      first = false;
    } else {
      // A node message of zero bytes is a node with no id, name or type: what trailing zero
      // bytes decode to (each one a length prefix of 0), never a real operation.
      if (len == 0)
        fail(offset, fmt::format("an empty node message after node #{} (zero bytes where a node "
                                 "was expected: is the file padded?)",
                                 t.nodes.size()));
      if (t.nodes.size() >= kMaxNodes)
        fail(offset, fmt::format("more than {} nodes in one rank's trace", kMaxNodes));
      pb::Node node;
      if (!node.ParseFromArray(msg, static_cast<int>(len)))
        fail(offset, fmt::format("node message #{} does not parse", t.nodes.size()));
      t.nodes.push_back(std::move(node));
    }
    offset += header + len;
  }
  if (first) fail(0, "empty trace: no global-metadata message");
  return t;
}

RankTrace read_et_bytes(const std::string& bytes, const std::string& file,
                        size_t max_inflated_bytes) {
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
      static_cast<uint8_t>(bytes[1]) == 0x8b)
    return parse_et(gunzip(bytes, file, max_inflated_bytes), file);
  return parse_et(bytes, file);
}

std::string read_trace_file(const std::string& path) {
  return simcore::read_regular_file(path, simcore::kMaxTraceFileBytes, "trace file");
}

RankTrace read_et_file(const std::string& path) { return read_et_bytes(read_trace_file(path), path); }

std::string serialize_et(const std::string& version, const std::vector<pb::Node>& nodes) {
  std::string out;
  auto append = [&](const google::protobuf::MessageLite& m) {
    std::string body = m.SerializeAsString();
    uint8_t hdr[10];
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
        static_cast<uint32_t>(body.size()), hdr);
    out.append(reinterpret_cast<char*>(hdr), end - hdr);
    out += body;
  };
  pb::GlobalMetadata meta;
  meta.set_version(version);
  append(meta);
  for (const auto& n : nodes) append(n);
  return out;
}

}  // namespace dtsim::workloads::chakra
