#!/usr/bin/env python3
"""Generate Tests/EngineTests/Fixtures/modelfiles/ (reference values for the Swift ModelFiles tests).

1. types.gguf: a tiny GGUF v3 with metadata of every value type and one tensor per supported ggml type
   (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K), block bytes random (seeded) with sane scales;
   types.expected.json: the `gguf` package's dequantisation of each tensor as float32 bit patterns.
2. smollm2_rows.json (needs the SmolLM2 asset, torch and transformers): a few rows of tensors as the
   `gguf` reader dequantises them (GGUF names) and as transformers' GGUF loader returns them (HF names,
   q/k permutation undone), as float32 bit patterns.

Usage: python3 scripts/reference/make_modelfiles_fixtures.py [ASSETS_DIR]
"""
import json, os, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/EngineTests/Fixtures/modelfiles")
ASSETS = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRANSTOK_ASSETS", os.path.join(ROOT, ".assets"))
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261129)


def bits(a):
    return [int(x) for x in np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel()]


def f16_bytes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint8)


def random_blocks(qtype, n_blocks):
    """Random block bytes whose f16 scale fields are finite, small values."""
    block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    def put(offset, count=1):
        raw[:, offset:offset + 2 * count] = f16_bytes(rng.uniform(-0.1, 0.1, size=(n_blocks, count))).reshape(n_blocks, -1)
    if qtype in (Q.Q8_0, Q.Q4_0, Q.Q5_0):
        put(0)
    elif qtype in (Q.Q4_1, Q.Q5_1):
        put(0, 2)
    elif qtype == Q.Q4_K:
        put(0, 2)
    elif qtype == Q.Q6_K:
        put(208)
    return raw


def make_types():
    path = os.path.join(OUT, "types.gguf")
    w = gguf.GGUFWriter(path, arch="llama")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.125)
    w.add_uint64("test.u64", 2**63 + 5)
    w.add_int64("test.i64", -(2**62))
    w.add_float64("test.f64", 1e-300)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo wörld ✓")
    w.add_array("test.array_i32", [1, -2, 3])
    w.add_array("test.array_str", ["a", "", "ü"])
    expected = {}
    plain = {
        "f32": (np.float32, Q.F32),
        "f16": (np.float16, Q.F16),
    }
    for name, (dt, _) in plain.items():
        v = rng.normal(size=(3, 64)).astype(dt)
        w.add_tensor(name, v)
        expected[name] = {"shape": [3, 64], "bits": bits(v.astype(np.float32))}
    # BF16: raw bit patterns from random floats
    v = rng.normal(size=(2, 64)).astype(np.float32)
    bf = (v.view(np.uint32) >> 16).astype(np.uint16)
    w.add_tensor("bf16", bf.view(np.uint8).reshape(2, 128), raw_dtype=Q.BF16)
    expected["bf16"] = {"shape": [2, 64], "bits": bits(gguf.quants.dequantize(bf.view(np.uint8).reshape(2, 128), Q.BF16))}
    for name, qt, rows, cols in [("q8_0", Q.Q8_0, 2, 64), ("q4_0", Q.Q4_0, 2, 64), ("q4_1", Q.Q4_1, 2, 64),
                                 ("q5_0", Q.Q5_0, 2, 64), ("q5_1", Q.Q5_1, 2, 64), ("q4_k", Q.Q4_K, 2, 256),
                                 ("q6_k", Q.Q6_K, 2, 256)]:
        be, bb = gguf.GGML_QUANT_SIZES[qt]
        blocks = random_blocks(qt, rows * cols // be)
        data = blocks.reshape(rows, cols // be * bb)
        w.add_tensor(name, data, raw_dtype=qt)
        deq = gguf.quants.dequantize(data, qt)
        assert deq.shape == (rows, cols), deq.shape
        expected[name] = {"shape": [rows, cols], "bits": bits(deq)}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    # Cross-check with the reader (offsets / types as the reader sees them).
    r = gguf.GGUFReader(path)
    for t in r.tensors:
        deq = gguf.quants.dequantize(t.data, t.tensor_type)
        assert bits(deq) == expected[t.name]["bits"], t.name
        expected[t.name]["type"] = t.tensor_type.name
    with open(os.path.join(OUT, "types.expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


def make_smollm2_rows():
    path = os.path.join(ASSETS, "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(path):
        print("skip smollm2_rows.json: no", path)
        return
    r = gguf.GGUFReader(path)
    by_name = {t.name: t for t in r.tensors}
    out = {"gguf": {}, "hf": {}}
    for name, rows in [("token_embd.weight", [0, 1, 2, 1000, 49151]), ("blk.0.ffn_down.weight", [0, 575]),
                       ("blk.29.attn_q.weight", [0, 1, 63]), ("output_norm.weight", None)]:
        t = by_name[name]
        deq = gguf.quants.dequantize(t.data, t.tensor_type)
        if rows is None:
            out["gguf"][name] = {"rows": None, "bits": bits(deq)}
        else:
            out["gguf"][name] = {"rows": rows, "bits": [bits(deq[i]) for i in rows]}
    import torch
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                 torch_dtype=torch.float32)
    tensors = model.state_dict()
    for name, rows in [("model.layers.0.self_attn.q_proj.weight", [0, 1, 2, 31, 32, 63, 64, 575]),
                       ("model.layers.0.self_attn.k_proj.weight", [0, 1, 32, 63, 64, 191]),
                       ("model.layers.7.self_attn.k_proj.weight", [5, 40, 100]),
                       ("model.layers.0.self_attn.v_proj.weight", [0, 191]),
                       ("model.embed_tokens.weight", [3, 49151])]:
        t = tensors[name].float().numpy()
        out["hf"][name] = {"shape": list(t.shape), "rows": rows, "bits": [bits(t[i]) for i in rows]}
    out["hf_names"] = sorted(tensors.keys())
    with open(os.path.join(OUT, "smollm2_rows.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote smollm2_rows.json")


make_types()
make_smollm2_rows()


def make_safetensors_dtypes():
    """dtypes.safetensors: one small tensor per safetensors dtype, written by the safetensors library (torch),
    with its `__metadata__`; dtypes.expected.json: values (floats as float32 bit patterns, ints as ints)."""
    import torch
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(7)
    t = {
        "a.f32": torch.randn(3, 5, generator=g),
        "b.f16": torch.randn(2, 3, generator=g).half(),
        "c.bf16": torch.randn(4, generator=g).bfloat16(),
        "d.f64": torch.randn(2, 2, generator=g).double(),
        "e.i64": torch.tensor([[-(2**40), 7]], dtype=torch.int64),
        "f.i32": torch.tensor([-5, 2**30], dtype=torch.int32),
        "g.i16": torch.tensor([-300, 301], dtype=torch.int16),
        "h.i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "i.u8": torch.tensor([0, 255], dtype=torch.uint8),
        "j.bool": torch.tensor([True, False, True]),
        "k.empty": torch.zeros(0, 4),
        "l.scalar": torch.tensor(1.5),
    }
    path = os.path.join(OUT, "dtypes.safetensors")
    save_file(t, path, metadata={"format": "pt", "note": "transtok fixture"})
    expected = {}
    for k, v in t.items():
        e = {"shape": list(v.shape), "dtype": str(v.dtype)}
        if v.is_floating_point():
            e["bits"] = bits(v.float().numpy())
        else:
            e["ints"] = [int(x) for x in v.reshape(-1).tolist()]
        expected[k] = e
    with open(os.path.join(OUT, "dtypes.expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("wrote", path)


make_safetensors_dtypes()
