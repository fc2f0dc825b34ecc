#!/usr/bin/env python3
"""Generates Sources/Engine/Tokenizers/UnicodeMarkTables.swift: the combining-mark tables Hugging Face `tokenizers`
strips accents with, at the Unicode version of the Rust crates it is built on (not the Unicode of Swift's stdlib).

    python3 scripts/reference/make_unicode_mark_tables.py [--check]

- BertNormalizer(strip_accents) removes General_Category Mn (Rust `unicode_categories`, `is_mark_nonspacing`);
- StripAccents removes Mn, Mc and Me (Rust `unicode-normalization-alignments`, `is_combining_mark`);
- BertPreTokenizer and Punctuation split on ASCII punctuation and General_Category P* (`unicode_categories` again).

Independent source: the Unicode Character Database as compiled into the `unicodedata2` package (CPython's
makeunicodedata.py tables) of each candidate Unicode version, downloaded from PyPI as source and read by a small C
program. The installed `tokenizers` is probed code point by code point, and the script refuses to write unless one
candidate version reproduces each probed set exactly, so the table is "the reference library's, version for version".
With --check, it only verifies that the committed file is what it would write.
"""
import argparse, glob, os, subprocess, sys, tarfile, tempfile
from tokenizers import normalizers, pre_tokenizers, __version__ as tokenizers_version

CANDIDATES = ["7.0.0", "8.0.0", "9.0.0.post4", "10.0.0", "11.0.0", "12.1.0", "13.0.0", "14.0.0", "15.0.0"]
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "Engine", "Tokenizers", "UnicodeMarkTables.swift")

EXTRACT_C = r"""
#include <stdio.h>
typedef unsigned int Py_UCS4;
typedef struct { const unsigned char category, combining, bidirectional, mirrored, east_asian_width, normalization_quick_check; } _PyUnicode_DatabaseRecord;
typedef struct change_record { const unsigned char bidir_changed, category_changed, decimal_changed, mirrored_changed, east_asian_width_changed; const double numeric_changed; } change_record;
#include "unicodedata_db.h"
int main(void) {
    for (Py_UCS4 c = 0; c < 0x110000; c++) {
        int i = index1[c >> SHIFT];
        i = index2[(i << SHIFT) + (c & ((1 << SHIFT) - 1))];
        const char *cat = _PyUnicode_CategoryNames[_PyUnicode_Database_Records[i].category];
        if (cat[0] == 'M' || cat[0] == 'P') printf("%X %s\n", c, cat);
    }
    return 0;
}
"""


def probe(normalizer):
    """Code points the normalizer deletes when alone (NFD leaves these single code points unchanged)."""
    cps = [c for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF) and c != 1]
    sep, removed = "\x01", set()
    for i in range(0, len(cps), 4096):
        group = cps[i:i + 4096]
        parts = normalizer.normalize_str(sep.join(map(chr, group)) + sep).split(sep)[:-1]
        assert len(parts) == len(group)
        removed.update(c for c, p in zip(group, parts) if p == "")
    return removed


def unicode_marks(version, work):
    """{category: set(code points)} of the marks in unicodedata2==version's tables."""
    d = os.path.join(work, version)
    os.makedirs(d, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"unicodedata2=={version}", "-d", d], check=True)
    with tarfile.open(glob.glob(os.path.join(d, "unicodedata2-*.tar.gz"))[0]) as t:
        t.extractall(d, filter="data")
    header = (glob.glob(os.path.join(d, "*", "unicodedata2", "py3", "unicodedata_db.h"))
              + glob.glob(os.path.join(d, "*", "unicodedata2", "unicodedata_db.h")))[0]
    src = os.path.join(d, "extract.c")
    open(src, "w").write(EXTRACT_C)
    exe = os.path.join(d, "extract")
    subprocess.run(["cc", "-O1", "-w", "-I", os.path.dirname(header), src, "-o", exe], check=True)
    marks = {"Mn": set(), "Mc": set(), "Me": set(), "P": set()}
    for line in subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines():
        cp, cat = line.split()
        marks["P" if cat.startswith("P") else cat].add(int(cp, 16))
    return marks


ASCII_PUNCTUATION = {c for c in range(128) if chr(c) in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}


def probe_punctuation():
    """Code points BertPreTokenizer isolates between two letters."""
    pt = pre_tokenizers.BertPreTokenizer()
    found = set()
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        parts = pt.pre_tokenize_str("a" + chr(c) + "b")
        if len(parts) == 3 and parts[1][0] == chr(c):
            found.add(c)
    return found


def ranges(cps):
    out, cps = [], sorted(cps)
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def swift_ranges(name, doc, rs):
    lines = [f"    /// {doc}", f"    static let {name}: [ClosedRange<UInt32>] = ["]
    row = []
    for lo, hi in rs:
        row.append(f"0x{lo:04X}...0x{hi:04X}")
        if len(row) == 6:
            lines.append("        " + ", ".join(row) + ",")
            row = []
    if row:
        lines.append("        " + ", ".join(row) + ",")
    lines.append("    ]")
    return lines


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    bert = probe(normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False))
    strip = probe(normalizers.StripAccents())
    punctuation = probe_punctuation()
    found = {}
    with tempfile.TemporaryDirectory() as work:
        for version in CANDIDATES:
            marks = unicode_marks(version, work)
            if "bert" not in found and marks["Mn"] == bert:
                found["bert"] = version
            if "strip" not in found and marks["Mn"] | marks["Mc"] | marks["Me"] == strip:
                found["strip"] = version
            if "punctuation" not in found and marks["P"] | ASCII_PUNCTUATION == punctuation:
                found["punctuation"] = version
            if len(found) == 3:
                break
    if len(found) != 3:
        sys.exit(f"no candidate Unicode version reproduces tokenizers {tokenizers_version}: matched {found}")
    v = {k: found[k].split(".post")[0] for k in found}
    text = [
        "// Generated by scripts/reference/make_unicode_mark_tables.py — do not edit.",
        f"// Reference: Hugging Face tokenizers {tokenizers_version}, probed code point by code point; each set equals the",
        "// Unicode Character Database of the version named below (unicodedata2 tables from PyPI, read independently).",
        "",
        "/// The marks Hugging Face `tokenizers` strips, at the Unicode versions of its Rust crates (not Swift's).",
        "enum UnicodeMarkTables {",
        f"    /// Unicode version of `bertNonspacingMarks` (Rust `unicode_categories`).",
        f"    static let bertUnicodeVersion = \"{v['bert']}\"",
        f"    /// Unicode version of `combiningMarks` (Rust `unicode-normalization-alignments`).",
        f"    static let stripAccentsUnicodeVersion = \"{v['strip']}\"",
        f"    /// Unicode version of `bertPunctuation` (Rust `unicode_categories`).",
        f"    static let punctuationUnicodeVersion = \"{v['punctuation']}\"",
        f"    /// Reference library the tables were checked against.",
        f"    static let tokenizersVersion = \"{tokenizers_version}\"",
        "",
    ]
    text += swift_ranges("bertNonspacingMarks",
                         f"General_Category Mn as of Unicode {v['bert']}: what BertNormalizer's strip_accents removes after NFD.",
                         ranges(bert))
    text.append("")
    text += swift_ranges("combiningMarks",
                         f"General_Category Mn, Mc and Me as of Unicode {v['strip']}: what the StripAccents normalizer removes.",
                         ranges(strip))
    text.append("")
    text += swift_ranges("bertPunctuation",
                         f"ASCII punctuation and General_Category P* as of Unicode {v['punctuation']}: what BertPreTokenizer and "
                         "Punctuation split on.",
                         ranges(punctuation))
    text.append("}")
    content = "\n".join(text) + "\n"
    if a.check:
        current = open(OUT).read() if os.path.exists(OUT) else ""
        sys.exit(0 if current == content else f"{OUT} differs from what the script writes")
    open(OUT, "w").write(content)
    print(f"wrote {OUT}: Mn {len(bert)} (Unicode {v['bert']}), marks {len(strip)} (Unicode {v['strip']}), "
          f"punctuation {len(punctuation)} (Unicode {v['punctuation']})")


if __name__ == "__main__":
    main()
