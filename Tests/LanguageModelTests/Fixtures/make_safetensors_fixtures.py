#!/usr/bin/env python3
"""Writes the safetensors fixtures for SafetensorsTests.swift (python3 + numpy only).

The format is written by hand from the published spec (huggingface/safetensors
README, "Format"): 8 bytes little-endian u64 N, N bytes of UTF-8 JSON mapping
names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to
the data section) plus an optional "__metadata__" of strings, then the data,
row-major and little-endian.

Outputs, in the safetensors/ folder next to this script:
  good.safetensors            F32 (2x3), F16 (with subnormals), BF16, a scalar,
                              an empty tensor, an I64 tensor and __metadata__
  good_expected.json          the float32 values numpy computes for each float tensor
  hostile_*.safetensors       one defect each (see HOSTILE below)

Run: python3 make_safetensors_fixtures.py
"""

import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "safetensors")


def pack(header, data, pad_to=8, header_length=None):
    """A safetensors file: header dict (or raw bytes) + data bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    if pad_to:
        text += b" " * ((-len(text)) % pad_to)
    n = len(text) if header_length is None else header_length
    return struct.pack("<Q", n) + text + data


def write(name, content):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(content)


def good():
    """Tensors are laid out weight, half, bf16, scalar, count; the JSON lists them in another order."""
    weight = np.array([[0.5, -1.25, 3.0], [1e-3, -0.0, 65504.0]], dtype="<f4")
    # F16 bit patterns: smallest subnormal, largest subnormal, -0, largest finite,
    # 1/3 rounded, -2.5, smallest normal, a negative subnormal.
    half_bits = np.array([0x0001, 0x03FF, 0x8000, 0x7BFF, 0x3555, 0xC100, 0x0400, 0x8123], dtype="<u2")
    # BF16 bit patterns: 1.0, -3.140625, a float32 subnormal, the largest finite.
    bf16_bits = np.array([0x3F80, 0xC049, 0x0001, 0x7F7F], dtype="<u2")
    scalar = np.array(-7.75, dtype="<f4")
    counts = np.array([1, -2, 3], dtype="<i8")

    blobs = [("weight", weight.tobytes()), ("half", half_bits.tobytes()), ("bf16", bf16_bits.tobytes()),
             ("scalar", scalar.tobytes()), ("counts", counts.tobytes())]
    offsets, position = {}, 0
    for name, blob in blobs:
        offsets[name] = [position, position + len(blob)]
        position += len(blob)
    header = {
        "bf16": {"dtype": "BF16", "shape": [2, 2], "data_offsets": offsets["bf16"]},
        "__metadata__": {"format": "pt", "note": "fixture \u00e9 \"quoted\""},
        "counts": {"dtype": "I64", "shape": [3], "data_offsets": offsets["counts"]},
        "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [position, position]},
        "half": {"dtype": "F16", "shape": [8], "data_offsets": offsets["half"]},
        "scalar": {"dtype": "F32", "shape": [], "data_offsets": offsets["scalar"]},
        "weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": offsets["weight"]},
    }
    # Pad with spaces to a length that is not a multiple of 8, as some writers do.
    text = json.dumps(header, separators=(",", ":")).encode() + b"   "
    write("good.safetensors", pack(text, b"".join(blob for _, blob in blobs), pad_to=0))

    def floats(array):
        array = array.astype(np.float32).reshape(-1)
        return {"values": [float(v) for v in array], "bits": [int(b) for b in array.view("<u4")]}

    expected = {
        "names_in_file_order": ["weight", "half", "bf16", "scalar", "counts", "empty"],
        "metadata": header["__metadata__"],
        "tensors": {
            "weight": {"dtype": "F32", "shape": [2, 3], **floats(weight)},
            "half": {"dtype": "F16", "shape": [8], **floats(half_bits.view("<f2"))},
            "bf16": {"dtype": "BF16", "shape": [2, 2],
                     **floats((bf16_bits.astype("<u4") << 16).view("<f4"))},
            "scalar": {"dtype": "F32", "shape": [], **floats(scalar)},
            "empty": {"dtype": "F32", "shape": [0, 3], "values": [], "bits": []},
        },
    }
    with open(os.path.join(OUT, "good_expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True)
        f.write("\n")


def f32(name, shape, begin, end):
    return {name: {"dtype": "F32", "shape": shape, "data_offsets": [begin, end]}}


HOSTILE = {
    # 2x3 F32 needs 24 bytes of data; only 10 are there.
    "truncated": pack(f32("weight", [2, 3], 0, 24), bytes(10)),
    "huge_header_length": pack(f32("weight", [1], 0, 4), bytes(4), header_length=2 ** 62),
    "header_past_eof": pack(f32("weight", [1], 0, 4), bytes(4), header_length=1000),
    "unknown_dtype": pack({"mystery": {"dtype": "F99", "shape": [2], "data_offsets": [0, 8]}}, bytes(8)),
    "overlapping": pack({**f32("first", [4], 0, 16), **f32("second", [4], 8, 24)}, bytes(24)),
    "out_of_range": pack(f32("far", [2], 4096, 4104), bytes(8)),
    "shape_mismatch": pack(f32("w", [2, 3], 0, 20), bytes(20)),
    "nan": pack(f32("bad", [3], 0, 12), np.array([1.0, np.nan, 2.0], dtype="<f4").tobytes()),
    "inf_half": pack({"hot": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}},
                     np.array([0x3C00, 0xFC00], dtype="<u2").tobytes()),
    "three_bytes": b"\x01\x02\x03",
    "not_json": pack(b"{not json at all", b""),
    "header_array": pack(b"[1,2,3]", b""),
    "missing_offsets": pack({"w": {"dtype": "F32", "shape": [1]}}, bytes(4)),
    "dtype_not_string": pack({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}, bytes(4)),
    "negative_shape": pack(f32("neg", [2, -3], 0, 24), bytes(24)),
    "fractional_shape": pack(f32("frac", [2.5], 0, 10), bytes(10)),
    "end_before_begin": pack(f32("backwards", [0], 8, 4), bytes(8)),
    "count_overflow": pack(f32("huge", [2 ** 40, 2 ** 40], 0, 0), b""),
    "duplicate_key": pack(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                          b'"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', bytes(4)),
    "bad_metadata": pack({"__metadata__": {"epoch": 3}, **f32("w", [1], 0, 4)}, bytes(4)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    good()
    for name, content in HOSTILE.items():
        write(f"hostile_{name}.safetensors", content)


if __name__ == "__main__":
    main()
