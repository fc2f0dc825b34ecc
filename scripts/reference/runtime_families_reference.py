#!/usr/bin/env python3
"""Tiny random-weight models of the Llama-block families the runtime accepts besides Llama, with reference outputs
from HF transformers + torch (CPU, F32, eager attention) -> Tests/EngineTests/Fixtures/runtime/tiny_families.json.

  mistral-sliding-window  Mistral, GQA, sliding_window 4 (shorter than the 12-token prompt, so the window matters)
  qwen2-qkv-bias          Qwen2, GQA, q/k/v biases (no o bias), tied head, use_sliding_window false
  phi3-fused              Phi-3, fused qkv_proj and gate_up_proj, GQA, untied head, sliding_window 6
  gemma                   Gemma 1: (1+w) RMSNorm, embedding × √hidden, GeGLU (gelu_pytorch_tanh), head_dim 8 ≠
                          hidden/heads, tied head, MQA (one kv head)
  gemma2                  Gemma 2: as Gemma 1 plus post-attention and pre/post feed-forward norms, attention and
                          final-logit soft-capping (small caps, so they bite), query_pre_attn_scalar 32 ≠ head_dim,
                          3 layers alternating sliding window 4 / global (transformers' default layer_types)
  gemma3                  Gemma 3 text: q/k RMSNorm, sliding_window_pattern 2 over 4 layers, rope_local_base_freq
                          10000 on sliding layers, rope_theta 1e6 with linear rope_scaling ×8 on global layers,
                          no soft-capping; written in the transformers-4 config form (rope_theta,
                          rope_local_base_freq, rope_scaling, sliding_window_pattern), with `saved_config` = the
                          config.json transformers 5 itself writes (nested rope_parameters, layer_types)
  phi3-longrope           Phi-3 with longrope rope_scaling (short/long factors, original_max_position_embeddings 8
                          < the 12-token prompt, so the long factors and the attention factor apply); `short_logits`:
                          logits of the first 6 tokens alone (short factors)

Same schema as tiny_llama.json (runtime_reference.py): config (with model_type and hidden_act), weights rounded to
3 decimals, full logits at every position of one prompt, an 8-token greedy continuation (full recompute per step).

Usage: python3 scripts/reference/runtime_families_reference.py      Needs: torch, transformers (5.x).
"""
import copy, json, os
import numpy as np
import torch
from transformers import Gemma2Config, Gemma2ForCausalLM, Gemma3TextConfig, Gemma3ForCausalLM, GemmaConfig, GemmaForCausalLM, MistralConfig, MistralForCausalLM, Phi3Config, Phi3ForCausalLM, Qwen2Config, Qwen2ForCausalLM

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out_dir = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "runtime")
torch.set_grad_enabled(False)

BASE = dict(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
            hidden_act="silu")


def r(x, digits=7):
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=np.float64).ravel()]


def greedy(model, ids, n):
    ids = list(ids)
    out = []
    for _ in range(n):
        nxt = int(torch.argmax(model(torch.tensor([ids])).logits[0, -1]))
        out.append(nxt)
        ids.append(nxt)
    return out


def tiny(name, seed, config_class, model_class, model_type, drop=(), **kw):
    cfg = dict(BASE)
    cfg.update(kw)
    for k in drop:
        cfg.pop(k, None)
    config = config_class(**copy.deepcopy(cfg))
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = model_class(config).float().eval()
    for pname, p in model.named_parameters():
        v = torch.round(torch.randn_like(p) * 0.3, decimals=3)
        if pname.endswith("norm.weight") or pname.endswith("_norm.weight"):
            # Gemma stores w and applies 1 + w: keep the applied scale near 1 for every family.
            centre = 0.0 if model_type.startswith("gemma") else 1.0
            v = torch.round(centre + torch.randn_like(p) * 0.1, decimals=3)
        p.copy_(v)
    if config.tie_word_embeddings:
        model.tie_weights()
    tensors = {}
    for pname, p in model.state_dict().items():
        if config.tie_word_embeddings and pname == "lm_head.weight":
            continue
        tensors[pname] = {"shape": list(p.shape), "values": [round(float(x), 3) for x in p.flatten()]}
    ids = [1, 5, 17, 3, 39, 22, 8, 8, 30, 11, 4, 26]
    logits = model(torch.tensor([ids])).logits[0].numpy()
    hf_config = {k: v for k, v in cfg.items() if v is not None}
    hf_config["model_type"] = model_type
    out = {"name": name, "config": hf_config, "tensors": tensors, "input_ids": ids,
           "logits": [r(row) for row in logits], "greedy": greedy(model, ids, 8)}
    saved = json.loads(config.to_json_string(use_diff=False))
    out["saved_config"] = {k: v for k, v in saved.items() if k not in ("transformers_version",)}
    out["short_logits"] = [r(row) for row in model(torch.tensor([ids[:6]])).logits[0].numpy()]
    return out


if __name__ == "__main__":
    models = [
        tiny("mistral-sliding-window", 3, MistralConfig, MistralForCausalLM, "mistral", sliding_window=4,
             tie_word_embeddings=False, rope_theta=10000.0),
        tiny("qwen2-qkv-bias", 4, Qwen2Config, Qwen2ForCausalLM, "qwen2", tie_word_embeddings=True,
             rope_theta=1000000.0, use_sliding_window=False, sliding_window=None),
        tiny("phi3-fused", 5, Phi3Config, Phi3ForCausalLM, "phi3", tie_word_embeddings=False, rope_theta=10000.0,
             sliding_window=6, pad_token_id=0),
        tiny("gemma", 6, GemmaConfig, GemmaForCausalLM, "gemma", tie_word_embeddings=True, rope_theta=10000.0,
             head_dim=8, num_key_value_heads=1, hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
             pad_token_id=0),
        tiny("gemma2", 7, Gemma2Config, Gemma2ForCausalLM, "gemma2", drop=("hidden_act",), tie_word_embeddings=True,
             rope_theta=10000.0, head_dim=8, num_hidden_layers=3, hidden_activation="gelu_pytorch_tanh",
             query_pre_attn_scalar=32, sliding_window=4, attn_logit_softcapping=2.0, final_logit_softcapping=3.0,
             pad_token_id=0),
        tiny("gemma3", 8, Gemma3TextConfig, Gemma3ForCausalLM, "gemma3_text", drop=("hidden_act",),
             tie_word_embeddings=True, rope_theta=1000000.0, rope_local_base_freq=10000.0,
             rope_scaling={"rope_type": "linear", "factor": 8.0}, head_dim=8, num_hidden_layers=4,
             hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=8, sliding_window=4,
             sliding_window_pattern=2, final_logit_softcapping=None, attn_logit_softcapping=None, pad_token_id=0),
        tiny("phi3-longrope", 9, Phi3Config, Phi3ForCausalLM, "phi3", tie_word_embeddings=False, rope_theta=10000.0,
             max_position_embeddings=64, original_max_position_embeddings=8, pad_token_id=0, num_attention_heads=2,
             num_key_value_heads=1,
             rope_scaling={"type": "longrope", "short_factor": [1.0, 1.3, 2.1, 3.7],
                           "long_factor": [1.5, 4.0, 9.0, 25.0]}),
    ]
    for m in models:
        print(m["name"], "biases:", sorted(k for k in m["tensors"] if k.endswith("bias"))[:4], "greedy", m["greedy"])
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__}
    with open(os.path.join(out_dir, "tiny_families.json"), "w") as f:
        json.dump({"generator": "scripts/reference/runtime_families_reference.py", "versions": meta, "models": models},
                  f, separators=(",", ":"))
