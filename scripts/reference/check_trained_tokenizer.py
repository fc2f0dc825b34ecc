#!/usr/bin/env python3
"""Check a tokenizer trained by `transtok train-tokenizer` against HF (reference only).

Usage: python3 scripts/reference/check_trained_tokenizer.py DIR TEXT_FILE OUR_IDS_FILE
  OUR_IDS_FILE: `transtok tokenize --tokenizer DIR/tokenizer.json --input TEXT_FILE --special` output.
Loads DIR with HF tokenizers and transformers.AutoTokenizer and reports lines whose ids differ from ours.
"""
import sys
from tokenizers import Tokenizer
from transformers import AutoTokenizer

d, text, ours = sys.argv[1:4]
tok = Tokenizer.from_file(f"{d}/tokenizer.json")
auto = AutoTokenizer.from_pretrained(d)
lines = open(text, encoding="utf-8", newline="").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
our = [[int(x) for x in l.split()] for l in open(ours).read().split("\n")[: len(lines)]]
bad_hf = sum(tok.encode(l).ids != o for l, o in zip(lines, our))
bad_tf = sum(auto(l)["input_ids"] != o for l, o in zip(lines, our))
print(f"{d}: {len(lines)} lines, differ from HF tokenizers: {bad_hf}, from transformers AutoTokenizer: {bad_tf}")
print("  sample:", auto.tokenize(lines[0])[:12], auto.decode(our[0]) == tok.decode(our[0]))
