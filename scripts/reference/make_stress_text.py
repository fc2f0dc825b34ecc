#!/usr/bin/env python3
"""Build the multilingual stress text for tokenizer parity (reference only).

Usage: python3 scripts/reference/make_stress_text.py DATA_DIR OUT_FILE
  DATA_DIR: /work/shared/data (en-es Bible, Greek NT).
Sources, all real text from this machine, chosen deterministically (sorted paths, fixed strides):
  /usr/share/locale/*/LC_MESSAGES/*.mo translated program messages, the Bible texts, Python standard library
  source (code), plus hand-written Unicode edge cases (every Unicode whitespace, CR/LF, ZWJ emoji, combining
  marks, NFC/NFD pairs, very long words/lines, numbers, special-token strings). Lines are separated by "\\n" only.
"""
import glob, gettext, os, sys, sysconfig

LANGS = ["tt", "tt@iqtelif", "ru", "uk", "ba", "cv", "kk", "hy", "ka", "el", "ar", "fa", "ur", "he", "yi", "hi",
         "bn", "ta", "th", "lo", "km", "my", "am", "ti", "zh_CN", "zh_TW", "ja", "ko", "vi", "tr", "az", "pl", "cs",
         "de", "fr", "es", "pt_BR", "nl", "sv", "fi", "hu", "ro", "ug", "dv", "si", "chr", "iu"]


def mo_messages(lang, limit):
    out = []
    for path in sorted(glob.glob(f"/usr/share/locale/{lang}/LC_MESSAGES/*.mo")):
        try:
            with open(path, "rb") as f:
                cat = gettext.GNUTranslations(f)._catalog
        except Exception:
            continue
        for key in sorted(cat, key=lambda k: str(k)):
            v = cat[key]
            if isinstance(v, str) and v and not v.startswith("Project-Id"):
                out.append(v)
            if len(out) >= limit:
                return out
    return out


def every(path, stride, limit):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    return [l for l in lines[::stride] if l][:limit]


def unicode_cases(bible):
    ws = ["\t", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680"] + [chr(c) for c in range(0x2000, 0x200B)] + \
         ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\u200c", "\u200d", "\ufeff", "\u180e"]
    cases = []
    cases.append("".join(ws))
    cases.append("a" + "a".join(ws) + "a")
    cases += [f"word{w}word {w}lead trail{w}" for w in ws]
    cases += ["line with CRLF\r", "\r", "\r\r", "a\rb\r\nc", "  leading spaces", "trailing spaces   ", "   ", "",
              "\t\ttabs\tand  double  spaces", "x" + " " * 40 + "y"]
    cases += ["👨‍👩‍👧‍👦 family 👩🏽‍💻 coder 🏳️‍🌈 flag 🇹🇹🇦🇲🇬🇷 ❤️‍🔥 1️⃣ #️⃣",
              "😀😃😄😁😆😅🤣😂🙂🙃 🫠 🧑‍🤝‍🧑 🐈‍⬛",
              "e\u0301 é (NFD vs NFC) A\u030a Å Å ﬁ ﬀ ① ² ½ Ⅻ ㎏ ｶﾀｶﾅ ＡＢＣ １２３",
              "Z\u0351\u0358\u0362a\u036b\u0344l\u0306g\u0308o\u0327 zalgo text \u0301\u0301 leading combining",
              "한국어 한글 \u1100\u1161\u11a8 jamo", "Татарча: Мин татарча сөйләшәм. Әйе, өйдә, җәй, үзәк, һава, ңа.",
              "Tatarça: Min tatarça söyläşäm. Latin ä ö ü ğ ı ş ç ñ",
              "Հայերեն՝ Բարեւ, ինչպե՞ս ես։ և ﬓ", "Ελληνικά: Καλημέρα κόσμε; ΐ ΰ ς σ Σ ᾆ ᾼ",
              "العربية: مرحبا بالعالم، كيف حالك؟ ١٢٣٤٥ ﷺ ﻻ", "עברית: שָׁלוֹם עוֹלָם", "中文：你好，世界！𠀀𪚥 日本語：こんにちは、世界。カタカナ",
              "हिन्दी: नमस्ते दुनिया", "ไทย: สวัสดีชาวโลก", "\U0001d400\U0001d401 math bold 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd \ue000 private",
              "numbers: 0 1 12 123 1234 12345 3.14159 -42 1,000,000 1e-9 0x1F 2026-11-29 07:05 ₹100 €5 $9.99 ٣٤",
              "9" * 300, "a" * 500, "supercalifragilisticexpialidocious" * 12, "ло" * 200, "🙂" * 100,
              "https://example.org/path/to/resource?query=value&other=1#fragment user@example.com",
              "I'm you're he's we've they'll it'd I'M YOU'RE don't can't 'quoted' \"double\"",
              "<|endoftext|> text <|endoftext|><|endoftext|> <s> </s> <unk> [CLS] [SEP] [MASK] [PAD] <|im_start|>user\nx",
              "<|im_start|>assistant hi<|im_end|> <repo_name> <s>hello</s>",
              "control \x00 \x01 \x07 \x1b[31m \x7f \ufffd chars", "lone surrogate-free replacement \ufffd\ufffd",
              " ".join(bible[:40])]
    return cases


def code_lines(limit):
    std = sysconfig.get_paths()["stdlib"]
    out = []
    for name in ["json/decoder.py", "textwrap.py", "string.py"]:
        p = os.path.join(std, name)
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                out += f.read().split("\n")
    return out[:limit]


def main():
    data, out_path = sys.argv[1], sys.argv[2]
    bible_en = every(os.path.join(data, "en-es-bible/corpus.en"), 97, 150)
    lines = []
    for lang in LANGS:
        lines += mo_messages(lang, 25)
    lines += bible_en
    lines += every(os.path.join(data, "en-es-bible/corpus.es"), 97, 150)
    lines += every(os.path.join(data, "grc-eng/corpus.grc"), 23, 150)
    lines += unicode_cases(bible_en)
    lines += code_lines(400)
    text = "\n".join(lines)
    with open(out_path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print(len(text.split("\n")), "lines", len(text.encode()), "bytes")


if __name__ == "__main__":
    main()
