#!/usr/bin/env python3
"""Fixture for #17.13: text with combining marks newer than the Unicode versions Hugging Face `tokenizers` strips
by (BertNormalizer: Unicode 8.0 Mn; StripAccents: Unicode 9.0 marks, see make_unicode_mark_tables.py), and what HF
`tokenizers` makes of it (reference only; the Swift tests need no Python).

    python3 scripts/reference/make_mark_fixtures.py MINILM_TOKENIZER_JSON OUT_DIR

Writes OUT_DIR/marks.txt.gz (one line per group of marks, split on "\\n") and OUT_DIR/marks.reference.json.gz:
  {"tokenizers": version, "normalizers": [serialized normalizer JSON, ...],
   "normalized": [[normalize_str(line) for each normalizer] for each line],
   "minilm": [{"ids": [...], "offsets": [[s, e], ...]} for each line]}   (encode(line, add_special_tokens=True))
The marks are every Mn, Mc and Me of Python's Unicode database (its unicodedata.unidata_version) that the reference
does not strip, each attached to a letter, between old accents (which are stripped) — except code points whose
canonical decomposition HF's NFD does not apply (its normalization tables are older too; listed in the README).
"""
import gzip, json, os, sys, unicodedata
from tokenizers import Tokenizer, normalizers, __version__

minilm_path, out = sys.argv[1], sys.argv[2]
bert = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True)
cased = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
strip = normalizers.StripAccents()
nfd_strip = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()])
nfd = normalizers.NFD()
chosen = [bert, cased, strip, nfd_strip]

marks = []
for c in range(0x110000):
    ch = chr(c)
    if not unicodedata.category(ch).startswith("M"):
        continue
    if nfd.normalize_str(ch) != unicodedata.normalize("NFD", ch):
        print(f"skipped U+{c:04X}: HF NFD gives {[hex(ord(x)) for x in nfd.normalize_str(ch)]}, "
              f"Unicode {unicodedata.unidata_version} {[hex(ord(x)) for x in unicodedata.normalize('NFD', ch)]}")
        continue
    if cased.normalize_str(ch) != "" or strip.normalize_str(ch) != "":
        marks.append(ch)  # newer than at least one of the reference's tables

lines = []
for i in range(0, len(marks), 6):
    group = marks[i:i + 6]
    words = [f"a{m}b" for m in group] + [f"Ére\u0301{group[0]}sumé", f"{group[-1]}x", f"ñ{group[0]}Ö"]
    lines.append(" ".join(words))
lines.append("Crème brûlée, naïve façade — Ångström, Dvořák, Łódź")

tok = Tokenizer.from_file(minilm_path)
ref = {
    "tokenizers": __version__,
    "unicode": unicodedata.unidata_version,
    "normalizers": [json.loads(n.__getstate__()) for n in chosen],
    "normalized": [[n.normalize_str(line) for n in chosen] for line in lines],
    "minilm": [{"ids": e.ids, "offsets": [list(o) for o in e.offsets]}
               for e in (tok.encode(line, add_special_tokens=True) for line in lines)],
}
os.makedirs(out, exist_ok=True)
with gzip.GzipFile(os.path.join(out, "marks.txt.gz"), "wb", mtime=0) as f:
    f.write("\n".join(lines).encode("utf-8"))
with gzip.GzipFile(os.path.join(out, "marks.reference.json.gz"), "wb", mtime=0) as f:
    f.write(json.dumps(ref, ensure_ascii=False).encode("utf-8"))
print(f"{len(marks)} marks in {len(lines)} lines (tokenizers {__version__}, Unicode {unicodedata.unidata_version})")
