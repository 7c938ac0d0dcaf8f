#!/usr/bin/env python3
"""An independent safetensors reader (python3 + numpy only), written from the
published spec (huggingface/safetensors README, "Format").

Usage: python3 read_safetensors.py FILE
Prints JSON: {"header_length": N, "header_keys": [...in file order...],
"metadata": {...}, "tensors": {name: {"dtype", "shape", "data_offsets",
"bits": [float32 bit patterns], "values": [floats]}}} (bits and values only
for F32, F16 and BF16). Exits 1 with a message on a malformed file.
"""

import json
import struct
import sys

import numpy as np


FLOAT_DTYPES = ("F32", "F16", "BF16")


def to_float32(dtype, raw):
    if dtype == "F32":
        return np.frombuffer(raw, dtype="<f4")
    if dtype == "F16":
        return np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if dtype == "BF16":
        return (np.frombuffer(raw, dtype="<u2").astype("<u4") << 16).view("<f4")
    raise ValueError(f"unsupported dtype {dtype}")


def main(path):
    with open(path, "rb") as f:
        content = f.read()
    if len(content) < 8:
        sys.exit(f"{path}: shorter than 8 bytes")
    (n,) = struct.unpack("<Q", content[:8])
    if 8 + n > len(content):
        sys.exit(f"{path}: header length {n} past end of file")
    pairs = json.loads(content[8:8 + n].decode("utf-8"), object_pairs_hook=lambda p: p)
    data = content[8 + n:]
    result = {"header_length": n, "header_keys": [k for k, _ in pairs], "metadata": {}, "tensors": {}}
    for name, entry in pairs:
        entry = dict(entry)
        if name == "__metadata__":
            result["metadata"] = entry
            continue
        begin, end = entry["data_offsets"]
        described = {"dtype": entry["dtype"], "shape": entry["shape"], "data_offsets": [begin, end]}
        result["tensors"][name] = described
        if entry["dtype"] not in FLOAT_DTYPES:
            continue
        count = int(np.prod(entry["shape"], dtype=np.int64))
        values = to_float32(entry["dtype"], data[begin:end])
        if values.size != count:
            sys.exit(f"{path}: tensor {name}: {values.size} values for shape {entry['shape']}")
        described["bits"] = [int(b) for b in values.view("<u4")]
        described["values"] = [float(v) for v in values]
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: read_safetensors.py FILE")
    main(sys.argv[1])
