#!/usr/bin/env python3
"""Write a random-weight GGUF with the exact tensor shapes of Qwen2.5-7B and llama.cpp's Q4_K_M type mix, for
`transtok-bench models` (nothing here is a trained model).

Shapes (Qwen2.5-7B config.json): hidden 3584, intermediate 18944, 28 layers, 28 query / 4 key-value heads of 128,
vocabulary 152064, untied head, q/k/v biases, rope theta 1e6, RMSNorm eps 1e-6.

Per-tensor types follow llama.cpp's `llama_tensor_get_type` for LLAMA_FTYPE_MOSTLY_Q4_K_M (src/llama-quant.cpp):
- `output.weight`: Q6_K;
- `blk.N.attn_v.weight` and `blk.N.ffn_down.weight`: Q6_K where `use_more_bits(N, 28)` holds, i.e.
  N < 28/8 or N >= 7·28/8 or (N − 28/8) % 3 == 2: layers 0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27;
  Q4_K in the other 14 layers;
- every other matrix (token_embd, attn_q/k/output, ffn_gate/up, the remaining attn_v/ffn_down): Q4_K;
- norms and biases: F32.
Quantised block bytes are random (numpy, seeded) with f16 scale fields set to small finite values so weights are
of the order of a trained model's (|w| ≲ 0.05). The tokenizer is SmolLM2's byte-level BPE (the committed fixture
tokenizer.json) padded to 152064 entries with `[PAD{i}]` tokens of type UNUSED, as convert_hf_to_gguf.py pads Qwen2.

Usage: python3 scripts/bench/make_qwen25_7b_q4km.py OUT.gguf TOKENIZER.json[.gz]
"""
import gzip, json, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

HIDDEN, INTER, LAYERS, HEADS, KV_HEADS, HEAD_DIM, VOCAB = 3584, 18944, 28, 28, 4, 128, 152064
KV = KV_HEADS * HEAD_DIM


def use_more_bits(i, n):
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def tensors():
    """(name, shape [rows, cols], type) in llama.cpp's order."""
    out = [("token_embd.weight", [VOCAB, HIDDEN], Q.Q4_K), ("output_norm.weight", [HIDDEN], Q.F32),
           ("output.weight", [VOCAB, HIDDEN], Q.Q6_K)]
    for i in range(LAYERS):
        p = f"blk.{i}."
        more = use_more_bits(i, LAYERS)
        out += [(p + "attn_norm.weight", [HIDDEN], Q.F32),
                (p + "attn_q.weight", [HIDDEN, HIDDEN], Q.Q4_K), (p + "attn_q.bias", [HIDDEN], Q.F32),
                (p + "attn_k.weight", [KV, HIDDEN], Q.Q4_K), (p + "attn_k.bias", [KV], Q.F32),
                (p + "attn_v.weight", [KV, HIDDEN], Q.Q6_K if more else Q.Q4_K), (p + "attn_v.bias", [KV], Q.F32),
                (p + "attn_output.weight", [HIDDEN, HIDDEN], Q.Q4_K),
                (p + "ffn_norm.weight", [HIDDEN], Q.F32),
                (p + "ffn_gate.weight", [INTER, HIDDEN], Q.Q4_K), (p + "ffn_up.weight", [INTER, HIDDEN], Q.Q4_K),
                (p + "ffn_down.weight", [HIDDEN, INTER], Q.Q6_K if more else Q.Q4_K)]
    return out


def data(rng, shape, qtype):
    if qtype == Q.F32:
        if len(shape) == 1 and shape[0] == HIDDEN:
            return np.ones(shape, dtype=np.float32)  # norm weights
        return rng.uniform(-0.02, 0.02, size=shape).astype(np.float32)  # biases
    be, bb = gguf.GGML_QUANT_SIZES[qtype]
    rows, cols = shape
    n = rows * cols // be
    raw = np.frombuffer(rng.bytes(n * bb), dtype=np.uint8).reshape(n, bb).copy()
    if qtype == Q.Q4_K:  # d ≈ 5e-5 (6-bit scales × 4-bit q ≲ 0.05), dmin ≈ 4e-4
        raw[:, 0:2] = np.asarray(rng.uniform(2e-5, 8e-5, size=n), dtype=np.float16).view(np.uint8).reshape(n, 2)
        raw[:, 2:4] = np.asarray(rng.uniform(2e-4, 6e-4, size=n), dtype=np.float16).view(np.uint8).reshape(n, 2)
    else:  # Q6_K: d at 208; int8 scales × (q − 32)
        raw[:, 208:210] = np.asarray(rng.uniform(5e-6, 1.5e-5, size=n), dtype=np.float16).view(np.uint8).reshape(n, 2)
    return raw.reshape(rows, cols // be * bb)


def tokenizer(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    tok = json.loads(raw)
    vocab = tok["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    types = [1] * len(tokens)  # NORMAL
    for a in tok.get("added_tokens", []):
        if a["id"] < len(tokens):
            tokens[a["id"]] = a["content"]
            types[a["id"]] = 3 if a.get("special") else 4  # CONTROL / USER_DEFINED
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    assert len(tokens) <= VOCAB
    for i in range(len(tokens), VOCAB):
        tokens.append(f"[PAD{i}]")
        types.append(5)  # UNUSED
    return tokens, types, merges


def main():
    out, tok_path = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(20261204)
    w = gguf.GGUFWriter(out, arch="qwen2")
    w.add_name("Qwen2.5-7B-shaped random weights (transtok-bench models)")
    w.add_file_type(15)  # LLAMA_FTYPE_MOSTLY_Q4_K_M
    w.add_context_length(32768)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(INTER)
    w.add_block_count(LAYERS)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    tokens, types, merges = tokenizer(tok_path)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    plan = tensors()
    for name, shape, qt in plan:
        if qt == Q.F32:
            w.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
        else:
            be, bb = gguf.GGML_QUANT_SIZES[qt]
            byte_shape = [shape[0], shape[1] // be * bb]
            w.add_tensor_info(name, byte_shape, np.dtype(np.uint8), byte_shape[0] * byte_shape[1], raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for name, shape, qt in plan:
        w.write_tensor_data(data(rng, shape, qt))
    w.close()
    counts = {}
    for _, _, qt in plan:
        counts[qt.name] = counts.get(qt.name, 0) + 1
    print(json.dumps({"path": out, "tensors": counts}))


if __name__ == "__main__":
    main()
