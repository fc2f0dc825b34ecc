#!/usr/bin/env python3
"""Reference outputs for the Swift runtime (Tests/EngineTests/Fixtures/runtime/), from HF transformers + torch (CPU, F32).

  tiny_llama.json      two tiny random Llama models (weights included; values rounded to 3 decimals so the JSON is
                       short and exact): A = GQA + llama3 rope scaling + untied head, B = MHA + linear scaling + tied
                       head. Full logits at every position of one prompt, and an 8-token greedy continuation.
  smollm2_reference.json  SmolLM2-135M-Instruct (the Q4_1 GGUF, dequantised to F32 by transformers) on a few prompts:
                       prompt ids, last-position logits at every 16th vocab id plus the top 40, top-5 ids at every
                       position of the long prompt, greedy continuations, transformers' chat-template renderings,
                       and the total NLL of a short text (every token after the first, one window).
  smollm2_chat_generation.json  the same model on three conversations rendered by transformers' chat template
                       (SmolLM2's ChatML with its default system prompt; a multi-turn one with a system turn): the
                       rendered text, its ids, the greedy continuation (up to 32 tokens or `<|im_end|>`, decoded with a
                       KV cache and checked against a full no-cache forward over prompt + continuation), and, at every
                       generated position, the logits of that full forward at every 256th vocab id plus the top 8.

Usage: python3 scripts/reference/runtime_reference.py [ASSETS] [tiny|smollm2|chat ...]
       (default $TRANSTOK_ASSETS or <repo>/.assets; default: all three fixtures)
Needs: torch, transformers (5.x), accelerate, gguf.
"""
import json, os, sys
import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
assets = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRANSTOK_ASSETS", os.path.join(repo, ".assets"))
only = set(sys.argv[2:]) or {"tiny", "smollm2", "chat"}
out_dir = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "runtime")
os.makedirs(out_dir, exist_ok=True)
torch.set_grad_enabled(False)


def r(x, digits=6):
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=np.float64).ravel()]


def greedy(model, ids, n, eos=None):
    ids = list(ids)
    out = []
    for _ in range(n):
        logits = model(torch.tensor([ids])).logits[0, -1]
        nxt = int(torch.argmax(logits))
        out.append(nxt)
        ids.append(nxt)
        if eos is not None and nxt == eos:
            break
    return out


def tiny(name, seed, **kw):
    cfg = dict(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
               max_position_embeddings=64, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=None)
    cfg.update(kw)
    config = LlamaConfig(**cfg)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).float().eval()
    tensors = {}
    for pname, p in model.named_parameters():
        v = torch.round(torch.randn_like(p) * 0.3, decimals=3)
        if pname.endswith("norm.weight"):
            v = torch.round(1.0 + torch.randn_like(p) * 0.1, decimals=3)
        p.copy_(v)
    if config.tie_word_embeddings:
        model.tie_weights()
    for pname, p in model.state_dict().items():
        if config.tie_word_embeddings and pname == "lm_head.weight":
            continue
        tensors[pname] = {"shape": list(p.shape), "values": [round(float(x), 3) for x in p.flatten()]}
    ids = [1, 5, 17, 3, 39, 22, 8, 8, 30, 11, 4, 26]
    logits = model(torch.tensor([ids])).logits[0].numpy()
    hf_config = {k: v for k, v in cfg.items() if v is not None}
    return {
        "name": name, "config": hf_config, "tensors": tensors, "input_ids": ids,
        "logits": [r(row, 7) for row in logits],
        "greedy": greedy(model, ids, 8),
    }


def tiny_fixture():
    a = tiny("gqa-llama3-untied", 1, num_key_value_heads=2, tie_word_embeddings=False, rope_theta=500000.0,
             rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 16})
    b = tiny("mha-linear-tied", 2, num_key_value_heads=4, tie_word_embeddings=True, rope_theta=10000.0,
             rope_scaling={"rope_type": "linear", "factor": 2.0})
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__}
    with open(os.path.join(out_dir, "tiny_llama.json"), "w") as f:
        json.dump({"generator": "scripts/reference/runtime_reference.py", "versions": meta, "models": [a, b]}, f,
                  separators=(",", ":"))


def smollm2_fixture():
    d = os.path.join(assets, "smollm2")
    g = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tok = AutoTokenizer.from_pretrained(d, gguf_file=g)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=g, dtype=torch.float32).eval()
    prompts = [
        ("plain", "The capital of France is", False),
        ("chatml", "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                   "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n", True),
        ("long", "Once upon a time, in a small village by the sea, there lived an old fisherman who every morning "
                 "walked down to the harbour, checked his nets and talked to the gulls about the weather. One day", False),
    ]
    cases = []
    for name, text, chat in prompts:
        ids = tok(text, add_special_tokens=False).input_ids
        logits = model(torch.tensor([ids])).logits[0].numpy()
        last = logits[-1]
        top = np.argsort(-last)[:40]
        case = {
            "name": name, "text": text, "input_ids": ids,
            "stride": 16, "last_logits_strided": r(last[::16], 7),
            "top_ids": [int(i) for i in top], "top_logits": r(last[top], 7),
            "greedy": greedy(model, ids, 24, eos=tok.eos_token_id),
        }
        if name == "long":
            case["top5_per_position"] = [[int(i) for i in np.argsort(-row)[:5]] for row in logits]
        cases.append(case)
        print(name, len(ids), tok.decode(case["greedy"]), file=sys.stderr)
    chats = [
        [{"role": "user", "content": "What is the capital of France?"}],
        [{"role": "system", "content": "You translate."}, {"role": "user", "content": "Hello"},
         {"role": "assistant", "content": "Bonjour"}, {"role": "user", "content": "Thanks"}],
    ]
    rendered = [{"messages": m, "text": tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True)}
                for m in chats]
    eval_text = ("The quick brown fox jumps over the lazy dog. Trans-tokenization adapts a language model to a new "
                 "language by mapping the embeddings of its tokens. ") * 3
    eval_ids = tok(eval_text, add_special_tokens=False).input_ids
    lp = torch.log_softmax(model(torch.tensor([eval_ids])).logits[0].double(), dim=-1)
    eval_nll = -sum(float(lp[p - 1, eval_ids[p]]) for p in range(1, len(eval_ids)))
    evaluation = {"text": eval_text, "input_ids": eval_ids, "total_nll": eval_nll,
                  "first_token_bytes": len(tok.decode([eval_ids[0]]).encode("utf-8"))}
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__, "gguf": g}
    with open(os.path.join(out_dir, "smollm2_reference.json"), "w") as f:
        json.dump({"generator": "scripts/reference/runtime_reference.py", "versions": meta,
                   "vocab_size": model.config.vocab_size, "eos": tok.eos_token_id, "cases": cases,
                   "chat_templates": rendered, "evaluation": evaluation}, f,
                  separators=(",", ":"))


def smollm2_chat_fixture():
    d = os.path.join(assets, "smollm2")
    g = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tok = AutoTokenizer.from_pretrained(d, gguf_file=g)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=g, dtype=torch.float32).eval()
    stop = tok.convert_tokens_to_ids("<|im_end|>")
    chats = [
        [{"role": "user", "content": "Write a short poem about the sea."}],
        [{"role": "user", "content": "Explain photosynthesis in one sentence."}],
        [{"role": "system", "content": "You translate English into French."},
         {"role": "user", "content": "Good morning"}, {"role": "assistant", "content": "Bonjour"},
         {"role": "user", "content": "Where is the railway station, please?"}],
    ]
    stride, top_k, max_new = 256, 8, 32
    cases = []
    for messages in chats:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False).input_ids
        # Greedy with transformers' KV cache (as `generate` does) ...
        out = model(torch.tensor([ids]), use_cache=True)
        past, greedy = out.past_key_values, []
        nxt = int(torch.argmax(out.logits[0, -1]))
        while True:
            greedy.append(nxt)
            if nxt == stop or len(greedy) == max_new:
                break
            out = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
            past, nxt = out.past_key_values, int(torch.argmax(out.logits[0, -1]))
        # ... and the reference logits from one full forward without a cache over prompt + continuation.
        full = model(torch.tensor([ids + greedy[:-1]]), use_cache=False).logits[0, len(ids) - 1:].numpy()
        assert [int(np.argmax(row)) for row in full] == greedy, "cached and full-forward greedy disagree"
        steps = []
        for row in full:
            top = np.argsort(-row)[:top_k]
            steps.append({"logits_strided": r(row[::stride], 7), "top_ids": [int(i) for i in top],
                          "top_logits": r(row[top], 7)})
        gaps = [float(row[np.argsort(-row)[0]] - row[np.argsort(-row)[1]]) for row in full]
        cases.append({"messages": messages, "text": text, "input_ids": ids, "greedy": greedy, "stride": stride,
                      "steps": steps, "smallest_top2_gap": min(gaps)})
        print(len(ids), len(greedy), f"min gap {min(gaps):.4f}", repr(tok.decode(greedy)), file=sys.stderr)
    meta = {"transformers": __import__("transformers").__version__, "torch": torch.__version__, "gguf": g}
    with open(os.path.join(out_dir, "smollm2_chat_generation.json"), "w") as f:
        json.dump({"generator": "scripts/reference/runtime_reference.py", "versions": meta, "stop": stop,
                   "cases": cases}, f, separators=(",", ":"))


if __name__ == "__main__":
    if "tiny" in only:
        tiny_fixture()
    if "smollm2" in only:
        smollm2_fixture()
    if "chat" in only:
        smollm2_chat_fixture()
