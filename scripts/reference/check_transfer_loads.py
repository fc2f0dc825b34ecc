#!/usr/bin/env python3
"""Independent check that a directory written by `transtok transfer` loads in Hugging Face transformers with its
new tokenizer, and that only the replaced tables differ from the source model.

    python3 scripts/reference/check_transfer_loads.py --output OUT_DIR --source SOURCE_DIR [--text "..."]

Checks, with transformers/safetensors (not transtok's code):
- AutoConfig, AutoTokenizer and AutoModel (AutoModelForCausalLM for decoders) load OUT_DIR;
- config.json equals the source's except vocab_size, bos/eos/pad token ids, tie_word_embeddings and the dtype keys;
- the token-embedding table has one row per token of the new tokenizer;
- every tensor except the token embedding, LM head and vocabulary-sized head biases is bit-identical to the source's;
- a forward pass on TEXT tokenised with the new tokenizer gives finite outputs of the right shape.
Prints one line per check and exits non-zero on the first failure.
"""
import argparse
import json
import math
import os
import sys

import torch
from safetensors import safe_open
from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

REPLACED_SUFFIXES = (
    "embed_tokens.weight", "word_embeddings.weight", "tok_embeddings.weight", "lm_head.weight",
    "cls.predictions.decoder.weight", "cls.predictions.bias", "cls.predictions.decoder.bias",
    "lm_head.decoder.weight", "lm_head.bias", "lm_head.decoder.bias", "decoder.weight", "decoder.bias",
)
CHANGED_KEYS = {"vocab_size", "bos_token_id", "eos_token_id", "pad_token_id", "tie_word_embeddings", "torch_dtype", "dtype"}


def tensors(directory):
    index = os.path.join(directory, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    out = {}
    for name in files:
        with safe_open(os.path.join(directory, name), "pt") as f:
            for key in f.keys():
                out[key] = f.get_tensor(key)
    return out


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message)
    if not ok:
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--output", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--text", default="In the beginning God created the heaven and the earth.")
    a = p.parse_args()

    src_cfg = json.load(open(os.path.join(a.source, "config.json")))
    out_cfg = json.load(open(os.path.join(a.output, "config.json")))
    differing = sorted(k for k in set(src_cfg) | set(out_cfg) if k not in CHANGED_KEYS and src_cfg.get(k) != out_cfg.get(k))
    check(not differing, f"config.json passes through (keys differing beyond the allowed ones: {differing})")

    config = AutoConfig.from_pretrained(a.output)
    tokenizer = AutoTokenizer.from_pretrained(a.output)
    check(config.model_type == src_cfg["model_type"], f"model_type {config.model_type}")
    decoder = bool(getattr(config, "is_decoder", False)) or any(s.endswith("ForCausalLM") for s in (config.architectures or []))
    model = (AutoModelForCausalLM if decoder else AutoModel).from_pretrained(a.output, dtype=torch.float32)
    model.eval()
    rows = model.get_input_embeddings().weight.shape[0]
    check(rows >= len(tokenizer) and rows == config.vocab_size,
          f"token embedding has {rows} rows for a tokenizer of {len(tokenizer)} tokens (vocab_size {config.vocab_size})")

    src, out = tensors(a.source), tensors(a.output)
    check(set(src) == set(out) or set(out) - set(src) <= {"lm_head.weight"}, f"same tensor names ({len(out)})")
    unchanged = [k for k in src if not k.endswith(REPLACED_SUFFIXES)]
    same = all(torch.equal(src[k].to(out[k].dtype), out[k]) if src[k].dtype != out[k].dtype else torch.equal(src[k], out[k])
               for k in unchanged if k in out)
    check(same, f"{len(unchanged)} body tensors identical to the source")

    ids = tokenizer(a.text, return_tensors="pt")
    with torch.no_grad():
        result = model(**ids)
    first = result.logits if hasattr(result, "logits") else result.last_hidden_state
    finite = bool(torch.isfinite(first).all())
    check(finite and first.shape[1] == ids["input_ids"].shape[1],
          f"forward pass on {ids['input_ids'].shape[1]} tokens: output {tuple(first.shape)}, finite={finite}")
    print("transformers loads", a.output)


if __name__ == "__main__":
    main()
