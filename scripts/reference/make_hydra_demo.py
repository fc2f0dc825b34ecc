#!/usr/bin/env python3
"""A Hydra checkpoint made from SmolLM2 for demos of `transtok generate --hydra` (not a fixture; nothing is committed).

Target vocabulary = source vocabulary (identity mapping), so the Hydra model must translate "English → English"
exactly as SmolLM2 continues the same prompt: input table [E_tgt ; E_src] = [E ; E] (source ids offset by |V|),
head U_tgt = E, tokenizer.json = target tokenizer, source_tokenizer/tokenizer.json = source tokenizer.
Config keys the runtime reads: model_type llama_hydra, input_vocab_size, output_vocab_size, hydra_source_offset.

Usage: python3 scripts/reference/make_hydra_demo.py ASSETS OUT_DIR
"""
import json, os, shutil, sys
import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

assets, out = sys.argv[1], sys.argv[2]
d, g = os.path.join(assets, "smollm2"), "SmolLM2-135M-Instruct.Q4_1.gguf"
tok = AutoTokenizer.from_pretrained(d, gguf_file=g)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=g, dtype=torch.float32)
os.makedirs(out, exist_ok=True)
tok.save_pretrained(out)
tok.save_pretrained(os.path.join(out, "source_tokenizer"))
state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
E = state["model.embed_tokens.weight"]
V = E.shape[0]
state["model.embed_tokens.weight"] = torch.cat([E, E], dim=0).contiguous()
state["lm_head.weight"] = E.clone()
save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
cfg = model.config.to_dict()
cfg.pop("quantization_config", None)
cfg.update({"model_type": "llama_hydra", "architectures": ["LlamaHydraForCausalLM"], "tie_word_embeddings": False,
            "vocab_size": V, "output_vocab_size": V, "input_vocab_size": 2 * V, "hydra_source_offset": V,
            "rope_theta": cfg.get("rope_parameters", {}).get("rope_theta", 100000.0)})
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(cfg, f, indent=2)
print("wrote", out)
