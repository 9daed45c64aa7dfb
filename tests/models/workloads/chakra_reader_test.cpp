#include "models/workloads/chakra/et_reader.h"
#include "models/workloads/chakra/trace_files.h"

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "models/workloads/chakra/chakra_import.h"
#include "simcore/error.h"
#include "tests/support/config_error.h"

// The ASTRA-sim microbenchmark traces (see /work/shared/data/README.md): one file per rank,
// `<kind>/<n>npus_1MB/<kind>.<rank>.et`, for all_reduce, all_gather, reduce_scatter and
// all_to_all on 4, 8 and 16 ranks. Tests that need them skip when the shared data is absent.

namespace dtsim::workloads::chakra {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;
using simcore::ConfigError;

const std::string kMicrobenchDir =
    DTSIM_SOURCE_DIR "/../shared/data/chakra/astra-sim-microbenchmarks";

#define SKIP_WITHOUT_TRACES()                                                       \
  do {                                                                              \
    if (!fs::is_directory(kMicrobenchDir))                                          \
      GTEST_SKIP() << "shared test data not found at " << kMicrobenchDir            \
                   << " (see shared/data/README.md)";                              \
  } while (0)

struct Microbench {
  const char* kind;   ///< folder and file name
  int64_t comm_type;  ///< CollectiveCommType value in the trace
};
// CollectiveCommType values of the Chakra schema: ALL_REDUCE = 0, ALL_GATHER = 2,
// ALL_TO_ALL = 6, REDUCE_SCATTER = 7.
const Microbench kBenches[] = {
    {"all_reduce", 0}, {"all_gather", 2}, {"reduce_scatter", 7}, {"all_to_all", 6}};
const int kRankCounts[] = {4, 8, 16};

std::string prefix_of(const std::string& kind, int n) {
  return kMicrobenchDir + "/" + kind + "/" + std::to_string(n) + "npus_1MB/" + kind;
}

std::string file_of(const std::string& kind, int n, int rank) {
  return prefix_of(kind, n) + "." + std::to_string(rank) + ".et";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

/** A fresh, empty folder under the test temp dir. */
std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / ("chakra_reader_test_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

/** `data` as one gzip member (zlib, level 9, mtime 0), as `gzip -9n` writes it. */
std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

using test::config_error_what;

const pb::AttributeProto* attr(const pb::Node& n, const std::string& name) {
  for (const auto& a : n.attr())
    if (a.name() == name) return &a;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// The real traces

TEST(ChakraReaderTest, EveryMicrobenchmarkFileParses) {
  SKIP_WITHOUT_TRACES();
  // What the files hold (checked byte by byte with `protoc --decode_raw`): GlobalMetadata
  // version "0.0.4", then exactly one COMM_COLL_NODE per rank with id = rank, name
  // "<kind>_<n>npus_1MB" and three attributes: is_cpu_op (bool false), comm_type (int64, the
  // CollectiveCommType) and comm_size (int64 1048576 = 1 MiB, the "1MB" of the folder name).
  int files = 0;
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      SCOPED_TRACE(std::string(b.kind) + " x " + std::to_string(n));
      std::vector<RankTrace> ranks = read_et_ranks(prefix_of(b.kind, n));
      ASSERT_EQ(ranks.size(), static_cast<size_t>(n));
      for (int r = 0; r < n; ++r) {
        const RankTrace& t = ranks[r];
        EXPECT_EQ(t.file, file_of(b.kind, n, r));
        EXPECT_EQ(t.version, "0.0.4");
        ASSERT_EQ(t.nodes.size(), 1u);
        const pb::Node& node = t.nodes[0];
        EXPECT_EQ(node.id(), static_cast<uint64_t>(r));
        EXPECT_EQ(node.name(), std::string(b.kind) + "_" + std::to_string(n) + "npus_1MB");
        EXPECT_EQ(node.type(), pb::COMM_COLL_NODE);
        EXPECT_EQ(node.data_deps_size() + node.ctrl_deps_size(), 0);
        ASSERT_EQ(node.attr_size(), 3);
        EXPECT_EQ(node.attr(0).name(), "is_cpu_op");
        EXPECT_EQ(node.attr(0).value_case(), pb::AttributeProto::kBoolVal);
        EXPECT_FALSE(node.attr(0).bool_val());
        const pb::AttributeProto* type = attr(node, "comm_type");
        const pb::AttributeProto* size = attr(node, "comm_size");
        ASSERT_NE(type, nullptr);
        ASSERT_NE(size, nullptr);
        EXPECT_EQ(type->value_case(), pb::AttributeProto::kInt64Val);
        EXPECT_EQ(type->int64_val(), b.comm_type);
        EXPECT_EQ(size->value_case(), pb::AttributeProto::kInt64Val);
        EXPECT_EQ(size->int64_val(), 1 << 20);
        ++files;
      }
    }
  }
  // 4 kinds x (4 + 8 + 16) ranks.
  EXPECT_EQ(files, 112);
}

TEST(ChakraReaderTest, MicrobenchmarkImportCountsOneCollectivePerRank) {
  SKIP_WITHOUT_TRACES();
  // n ranks, one COMM_COLL_NODE each: nodes_by_type = {COMM_COLL_NODE: n}, nothing skipped, and
  // all three attributes (is_cpu_op, comm_type, comm_size) are ones dtsim uses.
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      SCOPED_TRACE(std::string(b.kind) + " x " + std::to_string(n));
      ImportStats stats;
      simcore::Workload w = import_chakra(read_et_ranks(prefix_of(b.kind, n)), {}, &stats);
      EXPECT_EQ(stats.nodes_by_type,
                (std::map<std::string, uint64_t>{{"COMM_COLL_NODE", static_cast<uint64_t>(n)}}));
      EXPECT_TRUE(stats.skipped.empty());
      EXPECT_EQ(stats.unknown_attributes, 0u);
      ASSERT_EQ(w.ranks.size(), static_cast<size_t>(n));
      for (const auto& rank : w.ranks) {
        ASSERT_EQ(rank.ops.size(), 1u);
        EXPECT_EQ(rank.ops[0].kind, simcore::OpKind::kCollective);
        // An all-gather's comm_size is its per-rank input: n x 1 MiB out (chakra_import.h).
        EXPECT_EQ(rank.ops[0].bytes, std::string(b.kind) == "all_gather" ? n << 20 : 1 << 20);
      }
    }
  }
}

TEST(ChakraReaderTest, RoundTripGivesEqualNodesAndTheSameBytes) {
  SKIP_WITHOUT_TRACES();
  // serialize_et(parse_et(file)) parses back to equal messages; and because both the trace's
  // writer and protobuf-C++ emit fields in field-number order, the bytes are the file's own.
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      for (int r = 0; r < n; ++r) {
        SCOPED_TRACE(file_of(b.kind, n, r));
        std::string original = slurp(file_of(b.kind, n, r));
        RankTrace t = parse_et(original, "in.et");
        std::string bytes = serialize_et(t.version, t.nodes);
        RankTrace back = parse_et(bytes, "out.et");
        EXPECT_EQ(back.version, t.version);
        ASSERT_EQ(back.nodes.size(), t.nodes.size());
        for (size_t i = 0; i < t.nodes.size(); ++i)
          EXPECT_TRUE(MessageDifferencer::Equals(back.nodes[i], t.nodes[i])) << i;
        EXPECT_EQ(bytes, original);
      }
    }
  }
}

TEST(ChakraReaderTest, RoundTripKeepsEveryFieldOfABuiltNode) {
  // A node using every Node field and several attribute types survives serialize -> parse.
  pb::Node a;
  a.set_id(42);
  a.set_name("gemm");
  a.set_type(pb::COMP_NODE);
  a.add_data_deps(7);
  a.add_ctrl_deps(9);
  a.set_start_time_micros(123);
  a.set_duration_micros(456);
  a.mutable_inputs()->set_shapes("[[2,3]]");
  a.mutable_outputs()->set_types("[float]");
  auto* n1 = a.add_attr();
  n1->set_name("num_ops");
  n1->set_uint64_val(1ull << 40);
  auto* n2 = a.add_attr();
  n2->set_name("pg_name");
  n2->set_string_val("dp");
  auto* n3 = a.add_attr();
  n3->set_name("involved_dim");
  n3->mutable_bool_list()->add_values(true);
  pb::Node b;
  b.set_id(43);
  b.set_type(pb::COMM_SEND_NODE);
  std::string bytes = serialize_et("0.0.4", {a, b});
  RankTrace t = parse_et(bytes, "built.et");
  EXPECT_EQ(t.version, "0.0.4");
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(t.nodes[0], a));
  EXPECT_TRUE(MessageDifferencer::Equals(t.nodes[1], b));
  EXPECT_EQ(t.nodes[0].SerializeAsString(), a.SerializeAsString());
}

TEST(ChakraReaderTest, MetadataAloneIsATraceWithNoNodes) {
  // One empty GlobalMetadata message: a 0 length prefix and nothing else.
  RankTrace t = parse_et(std::string(1, '\0'), "meta.et");
  EXPECT_EQ(t.version, "");
  EXPECT_TRUE(t.nodes.empty());
  EXPECT_EQ(serialize_et("", {}), std::string(1, '\0'));
}

// ---------------------------------------------------------------------------------------------
// gzip

TEST(ChakraReaderTest, GzippedFileReadsTheSameAsPlain) {
  SKIP_WITHOUT_TRACES();
  std::string dir = temp_dir("gzip_same");
  for (const auto& b : kBenches) {
    std::string plain = file_of(b.kind, 8, 3);
    std::string gz = dir + "/" + b.kind + ".3.et.gz";
    write_file(gz, gzip(slurp(plain)));
    RankTrace p = read_et_file(plain);
    RankTrace z = read_et_file(gz);
    EXPECT_EQ(z.file, gz);
    EXPECT_EQ(z.version, p.version);
    ASSERT_EQ(z.nodes.size(), p.nodes.size());
    for (size_t i = 0; i < p.nodes.size(); ++i)
      EXPECT_TRUE(MessageDifferencer::Equals(z.nodes[i], p.nodes[i])) << b.kind;
  }
}

TEST(ChakraReaderTest, RanksMayMixPlainAndGzippedFiles) {
  SKIP_WITHOUT_TRACES();
  // read_et_ranks takes <prefix>.<r>.et, else <prefix>.<r>.et.gz: ranks 0 and 2 plain, 1 and 3
  // gzipped, and no rank 4, so 4 ranks, equal to the 4-rank all-reduce's own files.
  std::string dir = temp_dir("mixed");
  for (int r = 0; r < 4; ++r) {
    std::string bytes = slurp(file_of("all_reduce", 4, r));
    if (r % 2 == 0)
      write_file(dir + "/ar." + std::to_string(r) + ".et", bytes);
    else
      write_file(dir + "/ar." + std::to_string(r) + ".et.gz", gzip(bytes));
  }
  std::vector<RankTrace> ranks = read_et_ranks(dir + "/ar");
  std::vector<RankTrace> ref = read_et_ranks(prefix_of("all_reduce", 4));
  ASSERT_EQ(ranks.size(), 4u);
  EXPECT_EQ(ranks[1].file, dir + "/ar.1.et.gz");
  for (int r = 0; r < 4; ++r) {
    ASSERT_EQ(ranks[r].nodes.size(), 1u);
    EXPECT_TRUE(MessageDifferencer::Equals(ranks[r].nodes[0], ref[r].nodes[0])) << r;
  }
}

TEST(ChakraReaderTest, CorruptGzipIsAConfigError) {
  SKIP_WITHOUT_TRACES();
  // all_reduce.0.et of the 8-rank trace (81 bytes) gzipped by zlib at level 9 is 96 bytes: a
  // 10-byte header, 78 bytes of deflate data (one fixed-Huffman block), CRC-32 and ISIZE (4 bytes
  // each). Flipping byte 48 (x ^= 0xff) still decodes to valid codes, so inflate only notices at
  // the CRC-32 check, with Z_DATA_ERROR after consuming 96 - 4 = 92 bytes (ISIZE not yet read).
  std::string dir = temp_dir("gzip_corrupt");
  std::string gz = gzip(slurp(file_of("all_reduce", 8, 0)));
  ASSERT_EQ(gz.size(), 96u);
  std::string path = dir + "/flipped.et.gz";
  std::string bad = gz;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0xff);
  write_file(path, bad);
  EXPECT_EQ(config_error_what([&] { read_et_file(path); }),
            path + ": error: corrupt gzip stream near compressed byte offset 92");
}

TEST(ChakraReaderTest, GzipWithABadChecksumIsAConfigError) {
  SKIP_WITHOUT_TRACES();
  // The same 96-byte stream with the first CRC-32 byte (offset 88) flipped: the deflate data is
  // intact, the check fails after 92 bytes as above.
  std::string dir = temp_dir("gzip_crc");
  std::string gz = gzip(slurp(file_of("all_reduce", 8, 0)));
  std::string path = dir + "/crc.et.gz";
  std::string bad = gz;
  bad[bad.size() - 8] = static_cast<char>(bad[bad.size() - 8] ^ 0xff);
  write_file(path, bad);
  EXPECT_EQ(config_error_what([&] { read_et_file(path); }),
            path + ": error: corrupt gzip stream near compressed byte offset 92");
}

TEST(ChakraReaderTest, GzipWithAnInvalidBlockTypeIsAConfigError) {
  SKIP_WITHOUT_TRACES();
  // Byte 10, the first deflate byte, is 0x63: BFINAL = 1, BTYPE = 01 (fixed Huffman) in bits
  // 1-2. Setting both BTYPE bits (0x67) asks for the reserved block type 3: inflate stops at
  // once ("invalid block type"), having consumed the 10-byte header and that byte.
  std::string dir = temp_dir("gzip_btype");
  std::string gz = gzip(slurp(file_of("all_reduce", 8, 0)));
  ASSERT_EQ(static_cast<uint8_t>(gz[10]), 0x63);
  std::string path = dir + "/btype.et.gz";
  std::string bad = gz;
  bad[10] = static_cast<char>(0x67);
  write_file(path, bad);
  EXPECT_EQ(config_error_what([&] { read_et_file(path); }),
            path + ": error: corrupt gzip stream near compressed byte offset 11");
}

TEST(ChakraReaderTest, TruncatedGzipIsAConfigError) {
  SKIP_WITHOUT_TRACES();
  // The same gzip stream cut to half its length, and cut just before its 8-byte trailer: inflate
  // runs out of input before the end of the stream with room left in its output buffer.
  std::string dir = temp_dir("gzip_truncated");
  std::string gz = gzip(slurp(file_of("all_reduce", 8, 0)));
  std::string half = dir + "/half.et.gz";
  write_file(half, gz.substr(0, gz.size() / 2));
  EXPECT_EQ(config_error_what([&] { read_et_file(half); }),
            half + ": error: truncated gzip stream (" + std::to_string(gz.size() / 2) +
                " compressed bytes)");
  std::string no_trailer = dir + "/no_trailer.et.gz";
  write_file(no_trailer, gz.substr(0, gz.size() - 8));
  EXPECT_EQ(config_error_what([&] { read_et_file(no_trailer); }),
            no_trailer + ": error: truncated gzip stream (" + std::to_string(gz.size() - 8) +
                " compressed bytes)");
  // Only the two magic bytes: a gzip header that stops at once.
  std::string magic = dir + "/magic.et.gz";
  write_file(magic, "\x1f\x8b");
  EXPECT_EQ(config_error_what([&] { read_et_file(magic); }),
            magic + ": error: truncated gzip stream (2 compressed bytes)");
}

// ---------------------------------------------------------------------------------------------
// Bad bytes: exact messages

TEST(ChakraReaderTest, TruncatedFileNamesTheMessageThatRunsOver) {
  SKIP_WITHOUT_TRACES();
  // all_reduce.0.et of the 8-rank trace is 81 bytes: at offset 0 the prefix 0x07 and a 7-byte
  // GlobalMetadata (bytes 1..7); at offset 8 the prefix 0x48 = 72 and the node (bytes 9..80).
  // Without its last byte only 80 - 9 = 71 bytes follow the node's prefix.
  std::string bytes = slurp(file_of("all_reduce", 8, 0));
  ASSERT_EQ(bytes.size(), 81u);
  bytes.pop_back();
  EXPECT_EQ(config_error_what([&] { parse_et(bytes, "cut.et"); }),
            "cut.et: error: byte offset 8: length prefix 72 runs beyond the end of the file (71 "
            "bytes left)");
}

TEST(ChakraReaderTest, TrailingZeroBytesAreRefusedAtTheFirst) {
  // A trace with 20 MiB of zero bytes appended used to decode each zero byte as an empty node
  // (2.4-3.4 GB, then out of memory). A real node has at least an id or a name, so a node
  // message of zero bytes is refused where it starts: after the metadata (offset 0, 1 byte)
  // and one node (a 2-byte message "\x08\x07", id 7, at offset 1), the padding starts at 4.
  pb::Node n;
  n.set_id(7);
  std::string bytes = serialize_et("", {n}) + std::string(20 << 20, '\0');
  EXPECT_EQ(config_error_what([&] { parse_et(bytes, "padded.et"); }),
            "padded.et: error: byte offset 4: an empty node message after node #1 (zero bytes "
            "where a node was expected: is the file padded?)");
}

TEST(ChakraReaderTest, AGzipBombIsRefusedAsItInflates) {
  // A stream that inflates past the cap is refused as it inflates, never held whole: 16 MiB of
  // zeros (16 KiB compressed) against a 1 MiB cap here (the default cap, 512 MiB, works the same
  // way; a 1 GiB bomb against it would cost this test seconds and a gigabyte).
  std::string gz = gzip(std::string(16 << 20, '\0'));
  EXPECT_LT(gz.size(), 64u << 10);
  EXPECT_EQ(config_error_what([&] { read_et_bytes(gz, "bomb.et.gz", 1 << 20); }),
            "bomb.et.gz: error: the gzip stream inflates beyond 1 MiB, the limit of a trace "
            "file; refusing it");
}

TEST(ChakraReaderTest, LengthPrefixBeyondTheEnd) {
  // An empty GlobalMetadata (prefix 0 at offset 0), then at offset 1 a prefix of 5 followed by
  // only 2 bytes.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string("\0\x05" "ab", 4), "long.et"); }),
            "long.et: error: byte offset 1: length prefix 5 runs beyond the end of the file (2 "
            "bytes left)");
  // The largest 32-bit prefix, ff ff ff ff 0f = 2^32 - 1, with nothing after it.
  EXPECT_EQ(config_error_what([&] { parse_et("\xff\xff\xff\xff\x0f", "huge.et"); }),
            "huge.et: error: byte offset 0: length prefix 4294967295 runs beyond the end of the "
            "file (0 bytes left)");
}

TEST(ChakraReaderTest, TruncatedVarint) {
  // 0x80 has its continuation bit set and nothing follows.
  EXPECT_EQ(config_error_what([&] { parse_et("\x80", "v.et"); }),
            "v.et: error: byte offset 0: truncated or malformed length prefix");
  // The same after a complete (empty) metadata message and a node of id 7 (prefix 2, then
  // 08 07): offset 4.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string("\0\x02\x08\x07\x80\x80", 6), "v2.et"); }),
            "v2.et: error: byte offset 4: truncated or malformed length prefix");
}

TEST(ChakraReaderTest, VarintLongerThanTenBytesIsMalformed) {
  // Eleven continuation bytes: no varint is that long.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string(11, '\x80') + "\x01", "v.et"); }),
            "v.et: error: byte offset 0: truncated or malformed length prefix");
}

TEST(ChakraReaderTest, EmptyFile) {
  EXPECT_EQ(config_error_what([&] { parse_et("", "empty.et"); }),
            "empty.et: error: byte offset 0: empty trace: no global-metadata message");
  std::string path = temp_dir("empty") + "/empty.0.et";
  write_file(path, "");
  EXPECT_EQ(config_error_what([&] { read_et_file(path); }),
            path + ": error: byte offset 0: empty trace: no global-metadata message");
}

TEST(ChakraReaderTest, GarbageBytes) {
  // Text: 'h' = 0x68 = 104 read as a length prefix, with 10 bytes after it.
  EXPECT_EQ(config_error_what([&] { parse_et("hello world", "text.et"); }),
            "text.et: error: byte offset 0: length prefix 104 runs beyond the end of the file (10 "
            "bytes left)");
  // A 2-byte message ff ff: a tag varint that never ends, so the metadata does not parse.
  EXPECT_EQ(config_error_what([&] { parse_et("\x02\xff\xff", "meta.et"); }),
            "meta.et: error: byte offset 0: the global-metadata message does not parse");
  // The same 2 bytes as the first node, after an empty metadata message.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string("\0\x02\xff\xff", 4), "node.et"); }),
            "node.et: error: byte offset 1: node message #0 does not parse");
  // Field 3 (type) with wire type 2 (length-delimited) where a varint is expected, length 9
  // past the message's 3 bytes: the node does not parse.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string("\0\x03\x1a\x09x", 5), "wt.et"); }),
            "wt.et: error: byte offset 1: node message #0 does not parse");
}

TEST(ChakraReaderTest, NodeNameThatIsNotUtf8DoesNotParse) {
  // proto3 `string` fields must hold UTF-8: a node whose name is the single byte 0xff (field 2,
  // length 1) is rejected by protobuf's parser, and with it the whole trace.
  EXPECT_EQ(config_error_what([&] { parse_et(std::string("\0\x03\x12\x01\xff", 5), "utf8.et"); }),
            "utf8.et: error: byte offset 1: node message #0 does not parse");
}

TEST(ChakraReaderTest, MissingFiles) {
  std::string dir = temp_dir("missing");
  EXPECT_EQ(config_error_what([&] { read_et_file(dir + "/nope.et"); }),
            dir + "/nope.et: error: cannot read trace file (does it exist?)");
  EXPECT_EQ(config_error_what([&] { read_et_ranks(dir + "/nope"); }),
            dir + "/nope.0.et: error: no Chakra trace for rank 0 (expected <prefix>.<rank>.et)");
}

}  // namespace
}  // namespace dtsim::workloads::chakra
