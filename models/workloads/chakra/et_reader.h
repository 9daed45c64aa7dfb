#pragma once
/**
 * Reader of Chakra execution-trace files (`.et`): a stream of protobuf messages, each preceded
 * by its length as a base-128 varint: one GlobalMetadata, then one Node per operation. A file
 * may be gzip-compressed (detected from its magic bytes). One file per rank, named
 * `<prefix>.<rank>.et` (or `.et.gz`); trace_files.h finds and reads them.
 *
 * Errors: ConfigError naming the file and the byte offset: unreadable file, corrupt gzip
 * stream, a truncated length prefix, a length beyond the end of the file, a message that does
 * not parse. Never a crash on bad bytes.
 * Source: MLCommons Chakra, schema/protobuf/et_def.proto and its et_feeder's stream format.
 */
#include <string>
#include <vector>

#include "chakra_et.pb.h"
#include "simcore/file_read.h"

namespace dtsim::workloads::chakra {

struct RankTrace {
  std::string file;
  std::string version;        ///< GlobalMetadata.version
  std::vector<pb::Node> nodes;  ///< in file order
};

/** Parses one .et stream held in memory; `file` names it in errors. */
RankTrace parse_et(const std::string& bytes, const std::string& file);
/** The bytes of a trace file. Errors: ConfigError "cannot read trace file". */
std::string read_trace_file(const std::string& path);
/** Parses .et bytes, gunzipping them first when they start with the gzip magic; a gzip stream
 *  that inflates beyond `max_inflated_bytes` (default: the trace file cap, 512 MiB) is refused
 *  as it inflates. */
RankTrace read_et_bytes(const std::string& bytes, const std::string& file,
                        size_t max_inflated_bytes = simcore::kMaxTraceFileBytes);
/** Reads (and gunzips when needed) one .et file. */
RankTrace read_et_file(const std::string& path);
/** Writes one .et stream (GlobalMetadata, then nodes) to `out` bytes. */
std::string serialize_et(const std::string& version, const std::vector<pb::Node>& nodes);

}  // namespace dtsim::workloads::chakra
