#!/usr/bin/env python3
"""Check the SentencePiece ("llama") kind of GGUF tokenizer export.

Builds a tokenizer-only GGUF from a SentencePiece model the way llama.cpp's convert_hf_to_gguf.py does
(`_set_vocab_sentencepiece`: pieces, scores, token types, bos/eos/unk ids, add_bos), runs
`transtok convert --tokenizer-only`, and compares `tokenizers.Tokenizer.from_file(tokenizer.json)` with
(a) transformers' own GGUF tokenizer conversion and (b) the SentencePiece model itself.

Usage: python3 scripts/reference/check_sentencepiece_export.py SP.model TRANSTOK_BINARY
"""
import os, subprocess, sys, tempfile
import gguf
import sentencepiece as spm
from tokenizers import Tokenizer
from transformers import AutoTokenizer

sp_path, transtok = sys.argv[1], sys.argv[2]
sp = spm.SentencePieceProcessor(model_file=sp_path)
work = tempfile.mkdtemp(prefix="transtok-sp-")
gguf_path = os.path.join(work, "sp.gguf")
w = gguf.GGUFWriter(gguf_path, arch="llama")
tokens, scores, types = [], [], []
for i in range(sp.vocab_size()):
    tokens.append(sp.id_to_piece(i).encode("utf-8"))
    scores.append(sp.get_score(i))
    t = gguf.TokenType.NORMAL
    if sp.is_unknown(i): t = gguf.TokenType.UNKNOWN
    elif sp.is_control(i): t = gguf.TokenType.CONTROL
    elif sp.is_unused(i): t = gguf.TokenType.UNUSED
    elif sp.is_byte(i): t = gguf.TokenType.BYTE
    types.append(t)
w.add_tokenizer_model("llama")
w.add_tokenizer_pre("default")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(sp.bos_id())
w.add_eos_token_id(sp.eos_id())
w.add_unk_token_id(sp.unk_id())
w.add_add_bos_token(True)
w.add_add_eos_token(False)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()

out = os.path.join(work, "tok")
subprocess.run([transtok, "convert", "--model", gguf_path, "--output", out, "--tokenizer-only"], check=True)
ours = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
ref = AutoTokenizer.from_pretrained(work, gguf_file="sp.gguf")
SAMPLES = [
    "Hello world! How are you doing today?",
    "En el principio creó Dios los cielos y la tierra.",
    "Im Anfang schuf Gott Himmel und Erde. Straße, Größe, Übermut.",
    "В начале сотворил Бог небо и землю.",
    "太初有道，道与神同在，道就是神。",
    "emoji 🤗🚀 and symbols ©®™ – “quotes” don't we'll",
    "Genesis 1:31 and 2024 or 3.14159",
    "  two leading spaces and  double  gaps",
]
same_tf = same_sp = same_decode = 0
for s in SAMPLES:
    a = ours.encode(s).ids
    b = ref(s)["input_ids"]
    c = [sp.bos_id()] + sp.encode(s)
    same_tf += a == b
    same_sp += a == c
    if a != b or a != c:
        print("DIFF", repr(s), "\n ours", a, "\n transformers", b, "\n sentencepiece", c)
    d_ours, d_ref, d_sp = ours.decode(a, skip_special_tokens=True), ref.decode(b, skip_special_tokens=True), sp.decode(sp.encode(s))
    assert d_ours == d_ref, (s, d_ours, d_ref)
    same_decode += d_ours == d_sp
print(f"sentencepiece kind: {same_tf}/{len(SAMPLES)} samples identical to transformers' GGUF conversion, "
      f"{same_sp}/{len(SAMPLES)} identical to SentencePiece itself (with BOS); "
      f"decode equal to transformers' on all, to SentencePiece's on {same_decode}/{len(SAMPLES)}")
