#!/usr/bin/env python3
"""English–Greek New Testament verse pairs from the PyPI wheel `bible-alignments` 0.4.2 (Clear Bible).

Reads the unpacked wheel's `data/sources/SBLGNT.tsv` (Greek words, one per row, ids nBBCCCVVVWWW) and
`data/eng/targets/BSB/nt_BSB.tsv` (Berean Standard Bible tokens with `source_verse`, the Greek verse they translate,
and `skip_space_after`). Writes, one verse per line in canonical order:
  pairs.tsv   English<TAB>Greek   (English rebuilt with its punctuation and spacing; Greek words joined by spaces, NFC)
  refs.txt    `Book C:V` of the Greek verse (SBLGNT versification)
Verses empty on either side are dropped. Standard library only.
"""
import csv
import sys
import unicodedata
from collections import OrderedDict
from pathlib import Path

BOOKS = {40: "Matthew", 41: "Mark", 42: "Luke", 43: "John", 44: "Acts", 45: "Romans", 46: "1 Corinthians",
         47: "2 Corinthians", 48: "Galatians", 49: "Ephesians", 50: "Philippians", 51: "Colossians",
         52: "1 Thessalonians", 53: "2 Thessalonians", 54: "1 Timothy", 55: "2 Timothy", 56: "Titus",
         57: "Philemon", 58: "Hebrews", 59: "James", 60: "1 Peter", 61: "2 Peter", 62: "1 John", 63: "2 John",
         64: "3 John", 65: "Jude", 66: "Revelation"}


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)


def main(wheel_dir, out_dir):
    wheel, out = Path(wheel_dir), Path(out_dir)
    greek = OrderedDict()
    for r in rows(wheel / "data/sources/SBLGNT.tsv"):
        verse = r["id"].lstrip("n")[:8]
        greek.setdefault(verse, []).append(unicodedata.normalize("NFC", r["text"]))
    english = {}
    for r in rows(wheel / "data/eng/targets/BSB/nt_BSB.tsv"):
        verse = r["source_verse"]
        if not verse:
            continue
        english.setdefault(verse, []).append((r["text"], r["skip_space_after"] == "y"))
    out.mkdir(parents=True, exist_ok=True)
    kept = 0
    with open(out / "pairs.tsv", "w", encoding="utf-8") as p, open(out / "refs.txt", "w", encoding="utf-8") as refs:
        for verse, words in greek.items():
            tokens = english.get(verse, [])
            text = ""
            for i, (t, glue) in enumerate(tokens):
                text += t
                if i + 1 < len(tokens) and not glue:
                    text += " "
            en = " ".join(text.split())
            gr = " ".join(" ".join(words).split())
            if not en or not gr or "\t" in en + gr:
                continue
            book, chapter, number = int(verse[:2]), int(verse[2:5]), int(verse[5:8])
            p.write(f"{en}\t{gr}\n")
            refs.write(f"{BOOKS[book]} {chapter}:{number}\n")
            kept += 1
    print(f"en-grc: {kept} verse pairs of {len(greek)} Greek verses -> {out}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bible_alignments_pairs.py UNPACKED_WHEEL_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
