#!/usr/bin/env python3
"""One-time checks of an HF directory written by `transtok convert --model X.gguf --output DIR`.

1. safetensors + numpy: every tensor equals gguf-py's dequantisation of the GGUF tensor, with llama.cpp's
   q/k permutation undone (bit-exact for F32 output; BF16/F16 output compared after rounding the reference
   the same way), and config.json / generation_config.json agree with the GGUF metadata.
2. tokenizers: `Tokenizer.from_file(DIR/tokenizer.json)` encodes a multilingual sample like transformers'
   own GGUF tokenizer conversion (`AutoTokenizer.from_pretrained(..., gguf_file=...)`).
3. torch + transformers (if importable): `AutoModelForCausalLM.from_pretrained(DIR)` and the same model loaded
   from the GGUF give the same logits; prints the max-abs difference.

Usage: python3 scripts/reference/check_hf_export.py MODEL.gguf DIR
"""
import json, os, sys
import numpy as np
import gguf
from safetensors.numpy import load_file

gguf_path, out_dir = sys.argv[1], sys.argv[2]
reader = gguf.GGUFReader(gguf_path)
field = lambda k: reader.fields[k].contents() if k in reader.fields else None
cfg = json.load(open(os.path.join(out_dir, "config.json")))
gen = json.load(open(os.path.join(out_dir, "generation_config.json")))
n_head, n_kv = field("llama.attention.head_count"), field("llama.attention.head_count_kv")

# --- 1. tensors
names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
         "output.weight": "lm_head.weight"}
per_layer = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}

def hf_name(n):
    if n in names: return names[n]
    _, layer, kind, suffix = n.split(".")
    return f"model.layers.{layer}.{per_layer[kind]}.{suffix}"

def unpermute(w, heads):
    return w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

files = sorted(f for f in os.listdir(out_dir) if f.endswith(".safetensors"))
ours = {}
for f in files:
    try:
        ours.update(load_file(os.path.join(out_dir, f)))
    except TypeError:  # numpy has no bfloat16: read through torch, keep the bit patterns
        import torch
        from safetensors.torch import load_file as load_torch
        for k, v in load_torch(os.path.join(out_dir, f)).items():
            ours[k] = v.view(torch.int16).numpy().view(np.uint16) if v.dtype == torch.bfloat16 else v.numpy()
dtype = {"float32": np.float32, "bfloat16": "bfloat16", "float16": np.float16}[cfg["torch_dtype"]]
exact = 0
for t in reader.tensors:
    ref = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
    if t.name.endswith("attn_q.weight"): ref = unpermute(ref, n_head)
    if t.name.endswith("attn_k.weight"): ref = unpermute(ref, n_kv)
    got = ours.pop(hf_name(t.name))
    assert got.shape == ref.shape, (t.name, got.shape, ref.shape)
    if dtype == np.float32:
        assert got.dtype == np.float32 and np.array_equal(got.view(np.uint32), ref.view(np.uint32)), t.name
    elif dtype == np.float16:
        assert np.array_equal(got.view(np.uint16), ref.astype(np.float16).view(np.uint16)), t.name
    else:  # bf16 (numpy has no bf16: compare bit patterns with round-to-nearest-even)
        b = ref.view(np.uint32).astype(np.uint64)
        rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
        assert np.array_equal(got.view(np.uint16), rounded), t.name
    exact += 1
assert not ours, f"extra tensors: {sorted(ours)}"
print(f"tensors: {exact}/{len(reader.tensors)} equal to gguf-py dequantisation ({cfg['torch_dtype']})")

# --- config sanity
tokens = field("tokenizer.ggml.tokens")
assert cfg["vocab_size"] == len(tokens) == field("llama.vocab_size")
assert cfg["hidden_size"] == field("llama.embedding_length")
assert cfg["num_hidden_layers"] == field("llama.block_count")
assert cfg["num_attention_heads"] == n_head and cfg["num_key_value_heads"] == n_kv
assert cfg["tie_word_embeddings"] == (not any(t.name == "output.weight" for t in reader.tensors))
for k, g in [("bos_token_id", "tokenizer.ggml.bos_token_id"), ("eos_token_id", "tokenizer.ggml.eos_token_id"),
             ("pad_token_id", "tokenizer.ggml.padding_token_id")]:
    assert cfg[k] == gen[k] == field(g), (k, cfg[k], gen[k], field(g))
print("config.json / generation_config.json: consistent with the GGUF metadata")

# --- 2. tokenizer
from tokenizers import Tokenizer
from transformers import AutoTokenizer
SAMPLES = [
    "Hello world! How are you doing today?",
    "En el principio creó Dios los cielos y la tierra.",
    "Au commencement, Dieu créa les cieux et la terre.",
    "Im Anfang schuf Gott Himmel und Erde. Straße, Größe, Übermut.",
    "В начале сотворил Бог небо и землю.",
    "太初有道，道与神同在，道就是神。",
    "ในเริ่มแรกนั้นพระเจ้าทรงเนรมิตสร้างฟ้าและแผ่นดินโลก",
    "  leading spaces,\ttabs\nand newlines\n\n",
    "emoji 🤗🚀 and symbols ©®™ – “quotes” 'apostrophes' don't we'll",
    "<|im_start|>user\nTranslate this.<|im_end|>\n",
]
DIGITS = ["Genesis 1:31 and 2024 or 3.14159"]
ours_tok = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
ref_tok = AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(gguf_path)), gguf_file=os.path.basename(gguf_path))
expected = []
for s in SAMPLES:
    a = ours_tok.encode(s, add_special_tokens=False).ids
    b = ref_tok(s, add_special_tokens=False)["input_ids"]
    assert a == b, (s, a, b)
    assert ours_tok.decode(a, skip_special_tokens=False) == s, (s, ours_tok.decode(a))
    expected.append({"text": s, "ids": a})
print(f"tokenizer: {len(SAMPLES)} multilingual samples encode identically to transformers' GGUF conversion")
for s in DIGITS:
    a = ours_tok.encode(s, add_special_tokens=False).ids
    b = ref_tok(s, add_special_tokens=False)["input_ids"]
    print(f"digits ({'same' if a == b else 'DIFFERENT'}): ours {len(a)} tokens (digits split one by one as llama.cpp's "
          f"'smollm' pre-tokenizer does), transformers' GGUF conversion {len(b)} tokens")
    expected.append({"text": s, "ids": a})
if len(sys.argv) > 3:
    with open(sys.argv[3], "w") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
    print("wrote", sys.argv[3])

# --- 3. logits
try:
    import torch
    from transformers import AutoModelForCausalLM
except ImportError:
    print("torch not available: skipped the transformers load")
    sys.exit(0)
torch.manual_seed(0)
ids = torch.tensor([ref_tok("The capital of France is Paris, and the capital of Spain is", add_special_tokens=False)["input_ids"]])
m1 = AutoModelForCausalLM.from_pretrained(out_dir, dtype=torch.float32).eval()
m2 = AutoModelForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(gguf_path)), gguf_file=os.path.basename(gguf_path),
                                          dtype=torch.float32).eval()
with torch.no_grad():
    l1, l2 = m1(ids).logits, m2(ids).logits
diff = (l1 - l2).abs().max().item()
print(f"transformers: loaded {out_dir} ({sum(p.numel() for p in m1.parameters())} params); "
      f"max |logit difference| vs the GGUF loaded by transformers = {diff:.3g} over {ids.shape[1]} positions")
print("next token:", ref_tok.decode([int(l1[0, -1].argmax())]), "/", ref_tok.decode([int(l2[0, -1].argmax())]))
