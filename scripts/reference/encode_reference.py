#!/usr/bin/env python3
"""Reference encodings with HF `tokenizers` (reference only; never run at test time).

Usage: python3 scripts/reference/encode_reference.py TOKENIZER_JSON TEXT_FILE OUT_JSONL_GZ
One JSON object per line of TEXT_FILE (split on "\\n" only):
  {"ids": [...], "offsets": [[s, e], ...], "decoded": "..."}
encode(line, add_special_tokens=True); offsets in Unicode scalars (Python str indices);
decoded = decode(ids, skip_special_tokens=False).
"""
import gzip, json, sys
from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])
with open(sys.argv[2], encoding="utf-8", newline="") as f:
    lines = f.read().split("\n")
with gzip.GzipFile(sys.argv[3], "wb", mtime=0) as out:
    for line in lines:
        e = tok.encode(line, add_special_tokens=True)
        rec = {"ids": e.ids, "offsets": [list(o) for o in e.offsets],
               "decoded": tok.decode(e.ids, skip_special_tokens=False)}
        out.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
print(sys.argv[1], len(lines), "lines")
