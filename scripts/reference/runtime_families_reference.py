#!/usr/bin/env python3
"""Tiny random-weight models of the Llama-block families the runtime accepts besides Llama, with reference outputs
from HF transformers + torch (CPU, F32, eager attention) -> Tests/EngineTests/Fixtures/runtime/tiny_families.json.

  mistral-sliding-window  Mistral, GQA, sliding_window 4 (shorter than the 12-token prompt, so the window matters)
  qwen2-qkv-bias          Qwen2, GQA, q/k/v biases (no o bias), tied head, use_sliding_window false
  phi3-fused              Phi-3, fused qkv_proj and gate_up_proj, GQA, untied head, sliding_window 6

Same schema as tiny_llama.json (runtime_reference.py): config (with model_type and hidden_act), weights rounded to
3 decimals, full logits at every position of one prompt, an 8-token greedy continuation (full recompute per step).

Usage: python3 scripts/reference/runtime_families_reference.py      Needs: torch, transformers (5.x).
"""
import json, os
import numpy as np
import torch
from transformers import MistralConfig, MistralForCausalLM, Phi3Config, Phi3ForCausalLM, Qwen2Config, Qwen2ForCausalLM

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


def tiny(name, seed, config_class, model_class, model_type, **kw):
    cfg = dict(BASE)
    cfg.update(kw)
    config = config_class(**cfg)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = model_class(config).float().eval()
    for pname, p in model.named_parameters():
        v = torch.round(torch.randn_like(p) * 0.3, decimals=3)
        if pname.endswith("norm.weight"):
            v = torch.round(1.0 + torch.randn_like(p) * 0.1, decimals=3)
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
    return {"name": name, "config": hf_config, "tensors": tensors, "input_ids": ids,
            "logits": [r(row) for row in logits], "greedy": greedy(model, ids, 8)}


if __name__ == "__main__":
    models = [
        tiny("mistral-sliding-window", 3, MistralConfig, MistralForCausalLM, "mistral", sliding_window=4,
             tie_word_embeddings=False, rope_theta=10000.0),
        tiny("qwen2-qkv-bias", 4, Qwen2Config, Qwen2ForCausalLM, "qwen2", tie_word_embeddings=True,
             rope_theta=1000000.0, use_sliding_window=False, sliding_window=None),
        tiny("phi3-fused", 5, Phi3Config, Phi3ForCausalLM, "phi3", tie_word_embeddings=False, rope_theta=10000.0,
             sliding_window=6, pad_token_id=0),
    ]
    for m in models:
        print(m["name"], "biases:", sorted(k for k in m["tensors"] if k.endswith("bias"))[:4], "greedy", m["greedy"])
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__}
    with open(os.path.join(out_dir, "tiny_families.json"), "w") as f:
        json.dump({"generator": "scripts/reference/runtime_families_reference.py", "versions": meta, "models": models},
                  f, separators=(",", ":"))
