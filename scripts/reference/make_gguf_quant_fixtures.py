#!/usr/bin/env python3
"""Quantised tiny GGUF files of the `gemma`, `gemma2`, `gemma3` and `phi3` architectures, with reference logits of
what each quantised file means -> Tests/EngineTests/Fixtures/gguf-quant/{family}.{q8_0,q4_k_m}.gguf + reference.json.

The models are made and written exactly as make_gguf_family_fixtures.py writes the F32 ones (same tensor names,
metadata, tokenizer, Gemma `1 + w` norms), at shapes whose rows the block types can hold, with two type mixes:

  - `q8_0`, as llama.cpp's `convert_hf_to_gguf.py --outtype q8_0` writes it: every matrix Q8_0 quantised by
    gguf-py's own quantiser (`gguf.quants.quantize`, bit-exact with ggml's reference), 1-D tensors (norms, LongRoPE
    factors) F32, file type MOSTLY_Q8_0. Hidden size 32 (Q8_0 blocks are 32 wide).
  - `q4_k_m`, with llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M type choice (`llama_tensor_get_type`, src/llama-quant.cpp):
    Q4_K by default; Q6_K for `output.weight`, or for `token_embd.weight` when there is no `output.weight` (Gemma's
    tied head); Q6_K for `attn_v` and `ffn_down` in the layers where `use_more_bits(i, n)` holds; Q5_K for the fused
    `attn_qkv` (Phi-3); 1-D tensors F32. A matrix whose rows are not a multiple of the block width falls back as
    llama.cpp does: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, and F16 when that does not fit either. Hidden size 256
    (K-quant super-blocks are 256 wide), so `attn_output` (rows = heads x head_dim = 32) and `ffn_down` (rows =
    intermediate = 32) take the fallbacks; Phi-3's `attn_output` is hidden x hidden (head_dim = hidden / heads in
    Phi-3 GGUFs), so Phi-3 has one layer to stay small.
    gguf-py has no K-quant quantiser, so this script packs Q4_K/Q5_K/Q6_K blocks itself (min/max per sub-block,
    6-bit sub-block scales against an f16 super-block scale, the layout gguf-py's dequantiser reads), and checks each
    against the float weights after `gguf.quants.dequantize` (error within 0.6 quantisation steps). Q5_0/Q8_0/F16
    come from `gguf.quants.quantize`.

Reference: the written file is read back with gguf-py's `GGUFReader`, every tensor dequantised with
`gguf.quants.dequantize` (what the quantised file means), Gemma norms stored as 1 + w turned back to w, and those
weights loaded into the transformers model (F32, eager); its logits on the 12-token prompt followed by its own
8-token greedy continuation (20 positions) are the reference. Nothing of transtok is used.

reference.json: per file the family, type mix, HF config, tensor types, prompt ids, greedy continuation and
logits at every position of prompt + continuation.

Usage: python3 scripts/reference/make_gguf_quant_fixtures.py      Needs: torch, transformers (5.x), gguf.
"""
import importlib.util, json, os
import numpy as np
import torch
import gguf
from gguf import GGMLQuantizationType as Q

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("families", os.path.join(here, "make_gguf_family_fixtures.py"))
fam = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fam)

repo = os.path.dirname(os.path.dirname(here))
out_dir = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "gguf-quant")
torch.set_grad_enabled(False)
QK_K = 256

# Shapes per type mix: rows the block types can hold. Gemma: 4 heads of 8 (q rows 32), one kv head, 2 layers.
SHAPES = {
    "q8_0": {
        "*": dict(hidden_size=32, intermediate_size=32, num_hidden_layers=2),
        "gemma": dict(num_attention_heads=4, num_key_value_heads=1),
        "gemma2": dict(num_attention_heads=4, num_key_value_heads=1),
        "gemma3": dict(num_attention_heads=4, num_key_value_heads=1),
        "phi3": dict(num_attention_heads=4, num_key_value_heads=2),  # head_dim 8 (the LongRoPE factors' 4)
    },
    "q4_k_m": {
        "*": dict(hidden_size=256, intermediate_size=32, num_hidden_layers=2),
        "gemma2": dict(num_attention_heads=4, num_key_value_heads=1),
        "gemma3": dict(num_attention_heads=4, num_key_value_heads=1),
        "phi3": dict(num_attention_heads=32, num_key_value_heads=1, num_hidden_layers=1),  # head_dim 8
    },
}
FILE_TYPES = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "q4_k_m": gguf.LlamaFileType.MOSTLY_Q4_K_M}


def fp16(x):
    return np.asarray(x, dtype=np.float32).astype(np.float16)


def pack_k(blocks, bits):
    """Q4_K (bits 4) or Q5_K (bits 5) blocks of 256 floats: per 32-wide sub-block x ≈ d·sc·q − dmin·m."""
    n = blocks.shape[0]
    levels = (1 << bits) - 1
    sub = blocks.reshape(n, 8, 32)
    lo = np.minimum(sub.min(axis=2), 0)
    hi = sub.max(axis=2)
    scale, offset = (hi - lo) / levels, -lo
    d = fp16(scale.max(axis=1) / 63).astype(np.float32)
    dmin = fp16(offset.max(axis=1) / 63).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.clip(np.round(scale / d[:, None]), 0, 63), 0).astype(np.uint8)
        m = np.where(dmin[:, None] > 0, np.clip(np.round(offset / dmin[:, None]), 0, 63), 0).astype(np.uint8)
        step = (d[:, None] * sc)[:, :, None]
        q = np.where(step > 0, np.round((sub + (dmin[:, None] * m)[:, :, None]) / step), 0)
    q = np.clip(q, 0, levels).astype(np.uint8).reshape(n, QK_K)
    scales = np.zeros((n, 12), dtype=np.uint8)
    for i in range(4):  # the packing gguf.quants.Q4_K.get_scale_min reads
        scales[:, i] = sc[:, i] | ((sc[:, 4 + i] >> 4) << 6)
        scales[:, 4 + i] = m[:, i] | ((m[:, 4 + i] >> 4) << 6)
        scales[:, 8 + i] = (sc[:, 4 + i] & 0xF) | ((m[:, 4 + i] & 0xF) << 4)
    # element c·64 + s·32 + j is nibble s of qs[c·32 + j]
    low = (q & 0xF).reshape(n, 4, 2, 32)
    qs = (low[:, :, 0, :] | (low[:, :, 1, :] << 4)).reshape(n, 128)
    head = [fp16(d).view(np.uint8).reshape(n, 2), fp16(dmin).view(np.uint8).reshape(n, 2), scales]
    if bits == 5:  # element b·32 + j has its 5th bit at bit b of qh[j]
        high = (q >> 4).reshape(n, 8, 32)
        qh = np.zeros((n, 32), dtype=np.uint8)
        for b in range(8):
            qh |= high[:, b, :] << b
        head.append(qh)
    return np.concatenate(head + [qs], axis=1)


def pack_q6_k(blocks):
    """Q6_K blocks of 256 floats: per 16-wide sub-block x ≈ d·sc·(q − 32), sc int8."""
    n = blocks.shape[0]
    sub = blocks.reshape(n, 16, 16)
    amax = np.abs(sub).max(axis=2)
    scale = amax / 31
    d = fp16(scale.max(axis=1) / 127).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.clip(np.round(scale / d[:, None]), -128, 127), 0).astype(np.int8)
        step = (d[:, None] * sc)[:, :, None]
        q = np.where(step != 0, np.round(sub / step), 0)
    q = (np.clip(q, -32, 31) + 32).astype(np.uint8).reshape(n, QK_K)
    # low 4 bits: element h·128 + s·64 + j is nibble s of ql[h·64 + j]
    low = (q & 0xF).reshape(n, 2, 2, 64)
    ql = (low[:, :, 0, :] | (low[:, :, 1, :] << 4)).reshape(n, 128)
    # high 2 bits: element h·128 + s·32 + j is bits 2s..2s+1 of qh[h·32 + j]
    high = (q >> 4).reshape(n, 2, 4, 32)
    qh = (high[:, :, 0, :] | (high[:, :, 1, :] << 2) | (high[:, :, 2, :] << 4) | (high[:, :, 3, :] << 6))
    return np.concatenate([ql, qh.reshape(n, 64), sc.view(np.uint8), fp16(d).view(np.uint8).reshape(n, 2)], axis=1)


def quantize(data, qtype):
    """data [rows, cols] float32 -> block bytes [rows, cols/block · bytes] (K-quants here, the rest gguf-py's)."""
    if qtype not in (Q.Q4_K, Q.Q5_K, Q.Q6_K):
        return gguf.quants.quantize(data, qtype)
    rows, cols = data.shape
    blocks = data.reshape(-1, QK_K)
    packed = pack_q6_k(blocks) if qtype == Q.Q6_K else pack_k(blocks, 4 if qtype == Q.Q4_K else 5)
    assert packed.shape[1] == gguf.GGML_QUANT_SIZES[qtype][1]
    back = gguf.quants.dequantize(packed, qtype).reshape(-1, QK_K)
    # Each element within 0.6 steps of its sub-block's quantisation step (rounding is 0.5 steps; f16 scales).
    width = 16 if qtype == Q.Q6_K else 32
    step = np.abs(blocks.reshape(-1, width)).max(axis=1) / (31 if qtype == Q.Q6_K else 7)
    err = np.abs(back - blocks).reshape(-1, width).max(axis=1)
    assert (err <= 0.6 * step + 1e-6).all(), (qtype.name, float((err / np.maximum(step, 1e-12)).max()))
    return packed.reshape(rows, -1)


def use_more_bits(i, n):
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def fallback(qtype):
    return {Q.Q4_K: Q.Q5_0, Q.Q5_K: Q.Q5_1, Q.Q6_K: Q.Q8_0}.get(qtype, Q.F16)


def q4_k_m_type(name, layers, has_output):
    """llama.cpp's choice for LLAMA_FTYPE_MOSTLY_Q4_K_M (the rules that apply to these architectures)."""
    layer = int(name.split(".")[1]) if name.startswith("blk.") else None
    if name == "output.weight" or (name == "token_embd.weight" and not has_output):
        return Q.Q6_K
    if name.endswith("attn_v.weight") or name.endswith("ffn_down.weight"):
        return Q.Q6_K if use_more_bits(layer, layers) else Q.Q4_K
    if name.endswith("attn_qkv.weight"):
        return Q.Q5_K
    return Q.Q4_K


def encoder(mix, layers, has_output, types):
    def encode(name, data):
        if data.ndim < 2:
            types[name] = "F32"
            return data, None
        qtype = Q.Q8_0 if mix == "q8_0" else q4_k_m_type(name, layers, has_output)
        while data.shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0] != 0:
            qtype = fallback(qtype)  # llama.cpp: Q4_K->Q5_0, Q5_K->Q5_1, Q6_K->Q8_0; convert_hf_to_gguf: Q8_0->F16
        types[name] = qtype.name
        if qtype == Q.F16:
            return data.astype(np.float16), None
        return quantize(data, qtype), qtype
    return encode


def make_model(name, mix, seed):
    arch, config_class, model_class, extra = fam.FAMILIES[name]
    cfg = dict(fam.BASE)
    cfg.update(extra)
    cfg.update(SHAPES[mix]["*"])
    cfg.update(SHAPES[mix][name])
    config = config_class(**cfg)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = model_class(config).float().eval()
    gemma = name.startswith("gemma")
    std = 0.3 * (16 / cfg["hidden_size"]) ** 0.5  # the F32 fixtures' 0.3 at hidden 16, scaled to keep activations
    for pname, p in model.named_parameters():
        if pname.endswith("norm.weight"):
            p.copy_(torch.round((0.0 if gemma else 1.0) + torch.randn_like(p) * 0.1, decimals=3))
        else:
            p.copy_(torch.randn_like(p) * std)
    if config.tie_word_embeddings:
        model.tie_weights()
    return cfg, config, model


def load_dequantised(name, model, path):
    """The file's tensors, dequantised by gguf-py, into the HF model (Gemma norms back from 1 + w)."""
    arch = fam.FAMILIES[name][0]
    names = gguf.get_tensor_name_map(arch, model.config.num_hidden_layers)
    stored = {t.name: t for t in gguf.GGUFReader(path).tensors}
    state = model.state_dict()
    for hf_name, tensor in state.items():
        if hf_name == "lm_head.weight" and (model.config.tie_word_embeddings or name.startswith("gemma")):
            continue
        t = stored[names.get_name(hf_name, try_suffixes=(".weight", ".bias"))]
        value = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(tuple(tensor.shape))
        if name.startswith("gemma") and hf_name.endswith("norm.weight"):
            value = value - 1
        tensor.copy_(torch.from_numpy(value.copy()))
    if model.config.tie_word_embeddings:
        model.tie_weights()


def main():
    os.makedirs(out_dir, exist_ok=True)
    files = []
    seed = 41
    for mix in SHAPES:
        for name in [n for n in SHAPES[mix] if n != "*"]:
            seed += 1
            cfg, config, model = make_model(name, mix, seed)
            has_output = not (config.tie_word_embeddings or name.startswith("gemma"))
            types = {}
            path = os.path.join(out_dir, f"{name}.{mix}.gguf")
            fam.write_gguf(name, cfg, config, model, path, FILE_TYPES[mix],
                           encoder(mix, cfg["num_hidden_layers"], has_output, types))
            load_dequantised(name, model, path)
            ids = list(fam.PROMPT)
            greedy = fam.greedy(model, ids, 8)
            logits = model(torch.tensor([ids + greedy])).logits[0].numpy()
            hf = {k: v for k, v in cfg.items() if v is not None}
            hf["model_type"] = config.model_type
            hf["tie_word_embeddings"] = config.tie_word_embeddings
            top2 = np.sort(logits, axis=1)[:, -2:]
            files.append({"name": name, "mix": mix, "gguf": os.path.basename(path), "config": hf,
                          "tensor_types": types, "input_ids": ids, "greedy": greedy,
                          "logits": [fam.r(row) for row in logits]})
            print(f"{name}.{mix}: {os.path.getsize(path)} bytes, types {sorted(set(types.values()))}, "
                  f"greedy {greedy}, max |logit| {float(np.abs(logits).max()):.2f}, "
                  f"min top-2 margin at generated positions {float((top2[:, 1] - top2[:, 0])[11:19].min()):.4f}")
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__,
            "gguf": __import__("importlib.metadata").metadata.version("gguf")}
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_gguf_quant_fixtures.py", "versions": meta, "files": files},
                  f, separators=(",", ":"))


if __name__ == "__main__":
    main()
