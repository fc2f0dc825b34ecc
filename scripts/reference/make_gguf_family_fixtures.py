#!/usr/bin/env python3
"""Tiny GGUF files of the `gemma`, `gemma2`, `gemma3` and `phi3` architectures, written the way llama.cpp's
`convert_hf_to_gguf.py` writes them, with reference logits from transformers on the Hugging Face original
-> Tests/EngineTests/Fixtures/gguf-families/{gemma,gemma2,gemma3,phi3}.gguf + reference.json.

For each family a tiny random-weight model is made with transformers (F32, eager attention; weights rounded to 3
decimals as in runtime_families_reference.py), then written with the `gguf` package's GGUFWriter following the
converter's conventions (llama.cpp's converter is not used, nor copied):
  - tensor names from `gguf.get_tensor_name_map(arch, layers)` (the converter's own mapping table): Gemma 2/3
    `post_attention_norm`, `ffn_norm` (= pre_feedforward_layernorm), `post_ffw_norm`, Gemma 3 `attn_q_norm` /
    `attn_k_norm`; Phi-3 `attn_qkv` (fused qkv_proj) and `ffn_up` (fused gate_up_proj, 2 × intermediate rows), as
    stored in HF; no q/k permutation (the converter permutes only `llama`);
  - Gemma: every `*norm.weight` stored with 1 added (the converter's `data_torch + 1`), no `output.weight` (tied);
  - metadata: `{arch}.context_length`, `embedding_length`, `block_count`, `feed_forward_length`,
    `attention.head_count(_kv)`, `attention.layer_norm_rms_epsilon`, `attention.key_length`/`value_length`
    (Gemma), `rope.freq_base`; Gemma 2 `attn_logit_softcapping`, `final_logit_softcapping`,
    `attention.sliding_window`; Gemma 3 `attention.sliding_window`, `rope.scaling.type` linear + `rope.scaling.factor`
    (global layers), `final_logit_softcapping` only when set; Phi-3 `rope.dimension_count`,
    `rope.scaling.original_context_length`, `attention.sliding_window`, and for LongRoPE
    `rope.scaling.attn_factor` plus the tensors `rope_factors_long.weight` / `rope_factors_short.weight`;
  - what llama.cpp does not store but fixes by convention is chosen to match: Gemma 2/3 `query_pre_attn_scalar` =
    head_dim (llama.cpp's rule for every size but 27B), Gemma 2 layers alternate sliding/global from layer 0,
    Gemma 3 `sliding_window_pattern` 6 (6 layers: 5 sliding, 1 global) and local rotary base 10000;
  - an embedded SentencePiece-style tokenizer (`tokenizer.ggml.model` llama: pieces, scores, types; Gemma with
    `add_space_prefix` false, as the converter writes it).

reference.json: per family the HF config, the prompt ids, logits at every position (transformers, HF original)
and an 8-token greedy continuation.

Usage: python3 scripts/reference/make_gguf_family_fixtures.py      Needs: torch, transformers (5.x), gguf.
"""
import json, math, os
import numpy as np
import torch
import gguf
from transformers import (Gemma2Config, Gemma2ForCausalLM, Gemma3TextConfig, Gemma3ForCausalLM, GemmaConfig,
                          GemmaForCausalLM, Phi3Config, Phi3ForCausalLM)

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out_dir = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "gguf-families")
torch.set_grad_enabled(False)
A = gguf.MODEL_ARCH

# A small SentencePiece-style vocabulary: specials, the metaspace, letters, a few merged pieces.
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>"]
PIECES = ["▁"] + list("abcdefghijklmnopqrstuvwxyz") + list("ABDEGIJLT") + list(",.;:") + [
    "▁t", "he", "▁the", "in", "▁a", "an", "nd", "▁and", "er", "▁o", "▁of", "on", "es", "▁s", "ll", "▁w", "en",
    "▁G", "od", "▁God", "▁c", "re", "▁b", "at", "▁th", "or", "▁in", "is", "▁h", "ar"]
TOKENS = SPECIALS + PIECES
VOCAB = len(TOKENS)

BASE = dict(vocab_size=VOCAB, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, pad_token_id=0, eos_token_id=1,
            bos_token_id=2)

FAMILIES = {
    "gemma": (A.GEMMA, GemmaConfig, GemmaForCausalLM,
              dict(head_dim=8, num_key_value_heads=1, hidden_activation="gelu_pytorch_tanh", rope_theta=10000.0)),
    "gemma2": (A.GEMMA2, Gemma2Config, Gemma2ForCausalLM,
               dict(head_dim=8, num_hidden_layers=3, query_pre_attn_scalar=8, sliding_window=4,
                    attn_logit_softcapping=2.0, final_logit_softcapping=3.0, rope_theta=10000.0,
                    hidden_activation="gelu_pytorch_tanh")),
    "gemma3": (A.GEMMA3, Gemma3TextConfig, Gemma3ForCausalLM,
               dict(head_dim=8, num_hidden_layers=6, query_pre_attn_scalar=8, sliding_window=4,
                    sliding_window_pattern=6, rope_theta=1000000.0, rope_local_base_freq=10000.0,
                    rope_scaling={"rope_type": "linear", "factor": 8.0}, final_logit_softcapping=None,
                    attn_logit_softcapping=None, hidden_activation="gelu_pytorch_tanh")),
    "phi3": (A.PHI3, Phi3Config, Phi3ForCausalLM,
             dict(num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=False, rope_theta=10000.0,
                  sliding_window=6, original_max_position_embeddings=8,
                  rope_scaling={"type": "longrope", "short_factor": [1.0, 1.3, 2.1, 3.7],
                                "long_factor": [1.5, 4.0, 9.0, 25.0]})),
}
PROMPT = [2, 5, 17, 3, 39, 22, 8, 8, 30, 11, 4, 26]


def r(x, digits=7):
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=np.float64).ravel()]


def make_model(name, seed):
    arch, config_class, model_class, extra = FAMILIES[name]
    cfg = dict(BASE)
    cfg.update(extra)
    config = config_class(**cfg)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = model_class(config).float().eval()
    gemma = name.startswith("gemma")
    for pname, p in model.named_parameters():
        if pname.endswith("norm.weight"):
            centre = 0.0 if gemma else 1.0
            p.copy_(torch.round(centre + torch.randn_like(p) * 0.1, decimals=3))
        else:
            p.copy_(torch.round(torch.randn_like(p) * 0.3, decimals=3))
    if config.tie_word_embeddings:
        model.tie_weights()
    return cfg, config, model


def write_tokenizer(w, gemma):
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(TOKENS)
    # Scores: longer pieces merge first (SentencePiece BPE scores are negative ranks).
    w.add_token_scores([0.0] * len(SPECIALS) + [-float(i) for i in range(len(PIECES))])
    types = [gguf.TokenType.CONTROL, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL, gguf.TokenType.UNKNOWN]
    w.add_token_types([int(t) for t in types] + [int(gguf.TokenType.NORMAL)] * len(PIECES))
    w.add_pad_token_id(0)
    w.add_eos_token_id(1)
    w.add_bos_token_id(2)
    w.add_unk_token_id(3)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    if gemma:
        w.add_add_space_prefix(False)


def write_gguf(name, cfg, config, model, path, file_type=gguf.LlamaFileType.ALL_F32, encode=None):
    """encode(gguf_name, float32 array) -> (array, raw_dtype or None): how a quantised variant stores a tensor
    (make_gguf_quant_fixtures.py); None stores every tensor as F32."""
    arch = FAMILIES[name][0]
    gemma = name.startswith("gemma")
    layers = cfg["num_hidden_layers"]
    w = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[arch])
    w.add_name(f"tiny-{name}")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(layers)
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_file_type(file_type)
    if gemma:
        w.add_key_length(cfg["head_dim"])
        w.add_value_length(cfg["head_dim"])
    if name == "gemma2":
        w.add_attn_logit_softcapping(cfg["attn_logit_softcapping"])
        w.add_final_logit_softcapping(cfg["final_logit_softcapping"])
        w.add_sliding_window(cfg["sliding_window"])
        w.add_rope_freq_base(cfg["rope_theta"])
    if name == "gemma3":
        w.add_rope_freq_base(cfg["rope_theta"])
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(cfg["rope_scaling"]["factor"])
        w.add_sliding_window(cfg["sliding_window"])
    if name == "gemma":
        w.add_rope_freq_base(cfg["rope_theta"])
    head_dim = cfg["hidden_size"] // cfg["num_attention_heads"]
    if name == "phi3":
        original = cfg["original_max_position_embeddings"]
        w.add_rope_scaling_orig_ctx_len(original)
        w.add_rope_dimension_count(head_dim)
        w.add_rope_freq_base(cfg["rope_theta"])
        w.add_sliding_window(cfg["sliding_window"])
        scale = cfg["max_position_embeddings"] / original
        w.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(original)) if scale > 1 else 1.0)
    write_tokenizer(w, gemma)
    names = gguf.get_tensor_name_map(arch, layers)
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight" and (config.tie_word_embeddings or gemma):
            continue  # the converter skips Gemma's lm_head; a tied head is the embedding
        gg = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        assert gg is not None, (name, hf_name)
        data = tensor.float().numpy().copy()
        if gemma and hf_name.endswith("norm.weight"):
            data = data + 1  # convert_hf_to_gguf: Gemma RMSNorm weights stored as 1 + w
        stored, raw_dtype = encode(gg, data.astype(np.float32)) if encode else (data.astype(np.float32), None)
        w.add_tensor(gg, stored, raw_dtype=raw_dtype)
    if name == "phi3":
        rs = cfg["rope_scaling"]
        w.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_LONG] + ".weight",
                     np.asarray(rs["long_factor"], dtype=np.float32))
        w.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_SHORT] + ".weight",
                     np.asarray(rs["short_factor"], dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def greedy(model, ids, n):
    ids = list(ids)
    out = []
    for _ in range(n):
        nxt = int(torch.argmax(model(torch.tensor([ids])).logits[0, -1]))
        out.append(nxt)
        ids.append(nxt)
    return out


def main():
    os.makedirs(out_dir, exist_ok=True)
    families = []
    for seed, name in enumerate(FAMILIES, start=21):
        cfg, config, model = make_model(name, seed)
        path = os.path.join(out_dir, f"{name}.gguf")
        write_gguf(name, cfg, config, model, path)
        logits = model(torch.tensor([PROMPT])).logits[0].numpy()
        hf = {k: v for k, v in cfg.items() if v is not None}
        hf["model_type"] = config.model_type
        hf["tie_word_embeddings"] = config.tie_word_embeddings
        families.append({"name": name, "gguf": f"{name}.gguf", "config": hf, "input_ids": PROMPT,
                         "logits": [r(row) for row in logits], "greedy": greedy(model, PROMPT, 8),
                         "short_logits": [r(row) for row in model(torch.tensor([PROMPT[:6]])).logits[0].numpy()]})
        print(name, os.path.getsize(path), "bytes, greedy", families[-1]["greedy"])
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__,
            "gguf": __import__("importlib.metadata").metadata.version("gguf")}
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_gguf_family_fixtures.py", "versions": meta,
                   "families": families}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
