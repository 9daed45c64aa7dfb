#!/usr/bin/env python3
"""Writes the seed corpus of et_reader_fuzz into the folder given as argument.

Seeds: the 112 ASTRA-sim microbenchmark traces (shared/data, see its README), two of them also
gzipped, and a few small traces built here with `protoc --encode` from chakra_et.proto that reach
the importer's other paths (every node type, dependencies, a cycle, every integer attribute type,
the exporter's attributes, collectives without comm_type or comm_size), each plain and gzipped.

    python3 tests/fuzz/make_seeds.py build-fuzz/fuzz/seeds
"""
import gzip
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "models", "workloads", "chakra")
BENCH = os.path.join(ROOT, "..", "shared", "data", "chakra", "astra-sim-microbenchmarks")


def encode(message, text):
    return subprocess.run(
        ["protoc", "-I", PROTO_DIR, "--encode=dtsim.workloads.chakra.pb." + message,
         "chakra_et.proto"],
        input=text.encode(), capture_output=True, check=True, cwd=PROTO_DIR).stdout


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def stream(nodes, version="0.0.4"):
    out = b""
    for m in [encode("GlobalMetadata", f'version: "{version}"')] + [encode("Node", n) for n in nodes]:
        out += varint(len(m)) + m
    return out


SEEDS = {
    "mixed": [
        'id: 1 name: "gemm" type: COMP_NODE duration_micros: 5 attr { name: "num_ops" int64_val: 1000000 } attr { name: "tensor_size" uint64_val: 4096 }',
        'id: 2 name: "load" type: MEM_LOAD_NODE duration_micros: 1 data_deps: 1 attr { name: "tensor_size" int64_val: 128 }',
        'id: 3 name: "store" type: MEM_STORE_NODE ctrl_deps: 2 attr { name: "tensor_size" int64_val: 128 } attr { name: "is_cpu_op" bool_val: true }',
        'id: 4 name: "ar" type: COMM_COLL_NODE data_deps: 3 attr { name: "comm_type" int64_val: 0 } attr { name: "comm_size" int64_val: 65536 } attr { name: "pg_name" string_val: "pg_all" }',
        'id: 5 name: "send" type: COMM_SEND_NODE data_deps: 4 attr { name: "comm_dst" int32_val: 1 } attr { name: "comm_size" int64_val: 1024 } attr { name: "comm_tag" int32_val: 7 }',
        'id: 6 name: "recv" type: COMM_RECV_NODE data_deps: 4 attr { name: "comm_src" int32_val: 1 } attr { name: "comm_size" int64_val: 1024 } attr { name: "comm_tag" int32_val: 7 }',
        'id: 7 name: "meta" type: METADATA_NODE ctrl_deps: 5 ctrl_deps: 6 attr { name: "rf_id" uint64_val: 3 }',
        'id: 8 name: "gather" type: COMM_COLL_NODE ctrl_deps: 7 attr { name: "comm_type" int64_val: 3 } attr { name: "comm_size" int64_val: 8 } attr { name: "pg_name" string_val: "pg_pair" }',
        'id: 9 name: "barrier" type: COMM_COLL_NODE ctrl_deps: 8 attr { name: "comm_type" int64_val: 9 }',
        'id: 10 name: "rsb" type: COMM_COLL_NODE ctrl_deps: 9 attr { name: "comm_type" int64_val: 8 } attr { name: "comm_size" uint32_val: 4096 } attr { name: "involved_dim" bool_list { values: true } }',
        'id: 11 name: "x" type: INVALID_NODE ctrl_deps: 10 attr { name: "num_ops" double_val: 2.5 } attr { name: "op_type" string_val: "x" }',
    ],
    "cycle": [
        'id: 1 name: "a" type: COMP_NODE data_deps: 2',
        'id: 2 name: "b" type: COMP_NODE data_deps: 1',
    ],
    "reversed": [
        'id: 3 name: "c" type: COMP_NODE data_deps: 2 duration_micros: 3',
        'id: 2 name: "b" type: COMP_NODE data_deps: 1 duration_micros: 2',
        'id: 1 name: "a" type: COMP_NODE duration_micros: 1',
    ],
    "typed_attrs": [
        'id: 1 name: "a" type: COMP_NODE attr { name: "num_ops" float_val: 1.5 } attr { name: "tensor_size" sint64_val: 12 } attr { name: "is_cpu_op" int32_val: 1 }',
        'id: 2 name: "b" type: COMM_COLL_NODE data_deps: 1 attr { name: "comm_type" fixed32_val: 2 } attr { name: "comm_size" fixed64_val: 256 } attr { name: "comm_priority" sfixed32_val: 1 }',
        'id: 3 name: "c" type: COMM_COLL_NODE data_deps: 2 attr { name: "comm_type" sint32_val: 6 } attr { name: "comm_size" sfixed64_val: 256 }',
    ],
    "exporter_attrs": [
        'id: 1 name: "d" type: COMP_NODE attr { name: "delay_ps" int64_val: 5000 } attr { name: "stream" string_val: "side" }',
        'id: 2 name: "c" type: COMP_NODE data_deps: 1 attr { name: "duration_ps" int64_val: 1234 } attr { name: "dtype" string_val: "fp8" } attr { name: "num_ops" int64_val: 10 }',
        'id: 3 name: "bc" type: COMM_COLL_NODE data_deps: 2 attr { name: "comm_type" int64_val: 5 } attr { name: "comm_size" int64_val: 4096 } attr { name: "root" int64_val: 2 } attr { name: "algorithm" string_val: "ring" }',
        'id: 4 name: "nccl:all_gather" type: COMM_COLL_NODE data_deps: 3 duration_micros: 12 attr { name: "comm_size" int64_val: 64 }',
        'id: 5 name: "c10d::allreduce_" type: COMM_COLL_NODE data_deps: 4 duration_micros: 40',
    ],
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for kind in sorted(os.listdir(BENCH)):
        for size in sorted(os.listdir(os.path.join(BENCH, kind))):
            for f in sorted(os.listdir(os.path.join(BENCH, kind, size))):
                shutil.copy(os.path.join(BENCH, kind, size, f), os.path.join(out, f"{kind}_{size}_{f}"))
    for kind, size, f in [("all_reduce", "8npus_1MB", "all_reduce.3.et"),
                          ("all_to_all", "4npus_1MB", "all_to_all.0.et")]:
        with open(os.path.join(BENCH, kind, size, f), "rb") as src:
            data = src.read()
        with open(os.path.join(out, f"{kind}_{size}_{f}.gz"), "wb") as dst:
            dst.write(gzip.compress(data, mtime=0))
    for name, nodes in SEEDS.items():
        data = stream(nodes)
        with open(os.path.join(out, f"gen_{name}.et"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, f"gen_{name}.et.gz"), "wb") as f:
            f.write(gzip.compress(data, mtime=0))


if __name__ == "__main__":
    main()
