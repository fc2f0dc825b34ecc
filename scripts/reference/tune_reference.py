#!/usr/bin/env python3
"""Reference loss and gradients for transtok's embedding tuner (Tests/EngineTests/Fixtures/tuning/), from HF
transformers + torch autograd (CPU, float64 for the gradients, float32 for a cross-check).

  tiny_tuning.json   two tiny random LlamaForCausalLM models (weights included, rounded to 3 decimals so the JSON is
                     exact): A = GQA (4 heads, 2 kv heads), untied head; B = GQA (4 heads, 1 kv head), tied head.
                     For a fixed batch of 2 sequences: the mean next-token cross-entropy in float64 (checked against
                     transformers' `labels=` loss in float32), its gradient with respect to every embedding row the batch uses (A) or every row (B,
                     where the head gradient lands on the same table), and the full head gradient (A).

Usage: python3 scripts/reference/tune_reference.py
Needs: torch, transformers (5.x).
"""
import json, os
import torch
from transformers import LlamaConfig, LlamaForCausalLM

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out_dir = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "tuning")
os.makedirs(out_dir, exist_ok=True)


def make(name, seed, batch, **kw):
    cfg = dict(vocab_size=48, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
               max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=500.0, bos_token_id=1, eos_token_id=2,
               pad_token_id=None, attn_implementation="eager")
    cfg.update(kw)
    config = LlamaConfig(**{k: v for k, v in cfg.items() if k != "attn_implementation"})
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
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

    ids = torch.tensor(batch)
    result = {}
    for dtype in (torch.float64, torch.float32):
        m = model.to(dtype)
        m.zero_grad()
        # transformers' `labels=` loss casts the logits to float32, so the mean next-token cross-entropy (the same
        # definition: every position predicts the next, mean over all of them) is computed here in the model's dtype.
        logits = m(input_ids=ids).logits
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, config.vocab_size), ids[:, 1:].reshape(-1))
        if dtype == torch.float32:
            assert abs(float(loss) - m(input_ids=ids, labels=ids).loss.item()) < 1e-5
        loss.backward()
        out = type("Out", (), {"loss": loss.detach()})
        emb = m.model.embed_tokens.weight.grad.double()
        head = None if config.tie_word_embeddings else m.lm_head.weight.grad.double()
        result[dtype] = (float(out.loss), emb, head)
    loss64, emb64, head64 = result[torch.float64]
    loss32 = result[torch.float32][0]
    used = sorted({t for seq in batch for t in seq})
    rows = list(range(config.vocab_size)) if config.tie_word_embeddings else used
    fixture = {
        "name": name,
        "config": {k: v for k, v in cfg.items() if v is not None and k != "attn_implementation"},
        "tensors": tensors,
        "batch": batch,
        "loss": loss64,
        "loss_float32": loss32,
        "embedding_grad_rows": rows,
        "embedding_grad": [[float(x) for x in emb64[r]] for r in rows],
        # rows the batch does not use get no gradient from the input side (untied: exactly zero)
    }
    if head64 is not None:
        fixture["head_grad"] = [[float(x) for x in row] for row in head64]
    return fixture


if __name__ == "__main__":
    batch = [[1, 5, 17, 3, 39, 22, 8, 8, 30, 11, 4, 26], [7, 7, 45, 0, 12, 33, 19, 2, 47, 5, 5, 9]]
    a = make("gqa-untied", 11, batch, num_key_value_heads=2, tie_word_embeddings=False)
    b = make("gqa-tied", 12, batch, num_key_value_heads=1, tie_word_embeddings=True)
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__}
    with open(os.path.join(out_dir, "tiny_tuning.json"), "w") as f:
        json.dump({"generator": "scripts/reference/tune_reference.py", "versions": meta, "models": [a, b]}, f,
                  separators=(",", ":"))
    print("wrote", os.path.join(out_dir, "tiny_tuning.json"), a["loss"], b["loss"])
