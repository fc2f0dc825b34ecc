#!/usr/bin/env python3
"""Reference `rope_freqs.weight` values as llama.cpp's converter stores Llama 3.x rope scaling in a GGUF
(one divisor per rotary frequency: default inv_freq ÷ llama3-scaled inv_freq), computed with transformers'
own `_compute_llama3_parameters` -> Tests/EngineTests/Fixtures/modelfiles/llama3_rope_freqs.json.

Cases: Llama 3.1 (factor 8, original 8192, theta 5e5, head_dim 128), Llama 3.2 (factor 32, head_dim 64),
and a tiny head_dim 16 one.
Usage: python3 scripts/reference/make_llama3_rope_freqs.py      Needs: torch, transformers (5.x).
"""
import json, os
import torch
from transformers import LlamaConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "modelfiles", "llama3_rope_freqs.json")
cases = []
for name, factor, head_dim, theta in [("llama3.1", 8.0, 128, 500000.0), ("llama3.2", 32.0, 64, 500000.0),
                                      ("tiny", 8.0, 16, 10000.0)]:
    rope = {"rope_type": "llama3", "factor": factor, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192, "rope_theta": theta}
    cfg = LlamaConfig(hidden_size=head_dim * 2, num_attention_heads=2, head_dim=head_dim,
                      max_position_embeddings=131072, rope_parameters=rope)
    scaled, _ = ROPE_INIT_FUNCTIONS["llama3"](cfg, "cpu")
    default = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    numeric = {k: float(v) for k, v in rope.items() if k != "rope_type"}  # rope_type is llama3 for every case
    cases.append({"name": name, "head_dim": head_dim, "rope_theta": theta, "rope_scaling": numeric,
                  "rope_freqs": [float(x) for x in (default / scaled).tolist()]})
json.dump({"generator": "scripts/reference/make_llama3_rope_freqs.py", "cases": cases}, open(out, "w"), indent=1)
print(out, [c["rope_freqs"][-3:] for c in cases])
