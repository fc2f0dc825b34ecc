#!/usr/bin/env python3
"""Small synthetic tokenizers covering the components the four real tokenizers do not use, with HF's
encodings of sample text (reference only; never run at test time).

Usage: python3 scripts/reference/make_component_fixtures.py BIBLE_TEXT OUT_JSONL_GZ
Each output line: {"name", "tokenizer": <tokenizer.json text>, "cases": [{"text", "ids", "offsets", "decoded"}]}
"""
import gzip, json, os, sys, tempfile

import sentencepiece as spm
from tokenizers import Tokenizer, Regex, AddedToken, decoders, models, normalizers, pre_tokenizers, processors, trainers

SAMPLES = [
    "Hello world!", "  leading and trailing  ", "Ünïcödé façade naïve café", "ﬁancé ① ½ Ａｂｃ ㎏", "ΣΊΣΥΦΟΣ σοφός",
    "İstanbul ǅemal ß", "e\u0301 vs é", "Numbers 123 4567 89.5 and 2026-11-29", "don't won't I'm they'll",
    "中文字符 and 日本語", "Привет, мир! Сәлам, дөнья!", "tab\tsep\nnew\r\nline", "emoji 👨‍👩‍👧 ok", "",
    "   ", "a-b_c.d,e;f:g!h?i", "<mask> token <special> x <special>y <word> inword<word>s", "word<sep>word  <sep>  end",
    "In the beginning God created the heaven and the earth.", "x" * 120, "And God said, Let there be light: and there was light.",
]


def bible(path, n):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for _, l in zip(range(n), f)]


def case(tok, text):
    e = tok.encode(text)
    return {"text": text, "ids": e.ids, "offsets": [list(o) for o in e.offsets],
            "decoded": tok.decode(e.ids, skip_special_tokens=False)}


def unigram_sentencepiece(lines):
    """A SentencePiece unigram model (nmt_nfkc precompiled charsmap) through transformers' converter."""
    from transformers.convert_slow_tokenizer import SpmConverter
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines + SAMPLES))
    spm.SentencePieceTrainer.train(input=os.path.join(d, "corpus.txt"), model_prefix=os.path.join(d, "m"), vocab_size=600,
                                   model_type="unigram", character_coverage=0.98, byte_fallback=False)

    class Slow:
        vocab_file = os.path.join(d, "m.model")
        add_prefix_space = True
        legacy = True

    t = SpmConverter(Slow()).converted()
    t.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 2)])
    return t


def bpe_trained(lines, **kw):
    t = Tokenizer(models.BPE(unk_token="[UNK]", **kw))
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.NFD(),
                                         normalizers.StripAccents(), normalizers.NFC()])
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"], **kw)
    t.train_from_iterator(lines, trainer)
    return t


def wordpiece_trained(lines):
    t = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=20))
    t.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, clean_text=True, handle_chinese_chars=True)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    t.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=500, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]))
    t.post_processor = processors.BertProcessing(("[SEP]", t.token_to_id("[SEP]")), ("[CLS]", t.token_to_id("[CLS]")))
    t.decoder = decoders.WordPiece(cleanup=True)
    return t


def main():
    lines = bible(sys.argv[1], 3000)
    out = []

    out.append(("unigram-precompiled", unigram_sentencepiece(lines)))
    out.append(("wordpiece-bert-cased", wordpiece_trained(lines)))

    t = bpe_trained(lines, continuing_subword_prefix="##", end_of_word_suffix="</w>")
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    out.append(("bpe-prefix-suffix", t))

    t = bpe_trained(lines)
    t.normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Replace(Regex(r"\s+"), " "),
                                         normalizers.Prepend("^"), normalizers.NFKD()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("contiguous"),
                                               pre_tokenizers.Digits(individual_digits=False)])
    t.add_tokens([AddedToken("<word>", single_word=True), AddedToken("<sep>", lstrip=True, rstrip=True)])
    t.add_special_tokens([AddedToken("<special>", normalized=True), AddedToken("<mask>", lstrip=True, special=True)])
    t.decoder = decoders.Sequence([decoders.Replace("^", ""), decoders.Strip(" ", 1, 1), decoders.Fuse()])
    out.append(("bpe-added-tokens", t))

    for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
        for invert in [False, True]:
            t = bpe_trained(lines)
            t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"[aeiou]+|\s"), behavior=behavior, invert=invert),
                                                       pre_tokenizers.CharDelimiterSplit("x")])
            out.append((f"split-{behavior}{'-invert' if invert else ''}", t))
    t = bpe_trained(lines)
    t.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
    out.append(("split-string", t))

    for scheme in ["always", "first", "never"]:
        for split in [True, False]:
            t = bpe_trained(lines)
            t.normalizer = None
            t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"\d"), behavior="isolated"),
                                                       pre_tokenizers.Metaspace(prepend_scheme=scheme, split=split)])
            t.decoder = decoders.Metaspace(prepend_scheme=scheme, split=split)
            out.append((f"metaspace-{scheme}-{'split' if split else 'nosplit'}", t))

    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    t.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=500, special_tokens=["<s>", "</s>", "<pad>"],
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    t.post_processor = processors.RobertaProcessing(("</s>", 1), ("<s>", 0), trim_offsets=True, add_prefix_space=True)
    t.decoder = decoders.ByteLevel()
    t.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Strip(left=True, right=False)])
    out.append(("bytelevel-roberta", t))

    with gzip.GzipFile(sys.argv[2], "wb", mtime=0) as f:
        for name, tok in out:
            rec = {"name": name, "tokenizer": tok.to_str(), "cases": [case(tok, s) for s in SAMPLES + lines[:20]]}
            f.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
            print(name, tok.get_vocab_size())


if __name__ == "__main__":
    main()
