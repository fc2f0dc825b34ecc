#!/usr/bin/env python3
"""Generate Tests/EngineTests/Fixtures/kquants/ (reference dequantisation of k-quant blocks for the Swift tests).

kquants.gguf: a tiny GGUF v3 with one tensor per k-quant type the runtime reads (Q4_K, Q5_K, Q6_K), 3 rows × 512
columns each, block bytes random (seeded) with finite small f16 scales (d, dmin); plus `q5_k_high`, a Q5_K tensor
whose high-bit bytes are all ones (every element takes its 5th bit).
kquants.expected.json: each tensor dequantised by the `gguf` package (`gguf.quants.dequantize`), as float32 bit
patterns, with its shape and type name.

Usage: python3 scripts/reference/make_kquant_fixtures.py
"""
import json, os
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/EngineTests/Fixtures/kquants")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261204)

# Byte offsets of the f16 fields of one block.
SCALES = {Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}


def bits(a):
    return [int(x) for x in np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel()]


def blocks(qtype, rows, cols, high_ones=False):
    be, bb = gguf.GGML_QUANT_SIZES[qtype]
    n = rows * cols // be
    raw = rng.integers(0, 256, size=(n, bb), dtype=np.uint8)
    for o in SCALES[qtype]:
        raw[:, o:o + 2] = np.asarray(rng.uniform(-0.1, 0.1, size=n), dtype=np.float16).view(np.uint8).reshape(n, 2)
    if high_ones:
        raw[:, 16:48] = 0xFF  # Q5_K qh
    return raw.reshape(rows, cols // be * bb)


def main():
    path = os.path.join(OUT, "kquants.gguf")
    w = gguf.GGUFWriter(path, arch="llama")
    expected = {}
    for name, qt, high in [("q4_k", Q.Q4_K, False), ("q5_k", Q.Q5_K, False), ("q5_k_high", Q.Q5_K, True),
                           ("q6_k", Q.Q6_K, False)]:
        data = blocks(qt, 3, 512, high)
        w.add_tensor(name, data, raw_dtype=qt)
        deq = gguf.quants.dequantize(data, qt)
        assert deq.shape == (3, 512), deq.shape
        assert np.isfinite(deq).all()
        expected[name] = {"shape": [3, 512], "type": qt.name, "bits": bits(deq)}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    r = gguf.GGUFReader(path)  # the file as a reader sees it dequantises to the same values
    for t in r.tensors:
        assert bits(gguf.quants.dequantize(t.data, t.tensor_type)) == expected[t.name]["bits"], t.name
    with open(os.path.join(OUT, "kquants.expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
