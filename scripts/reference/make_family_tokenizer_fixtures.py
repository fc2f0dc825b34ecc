#!/usr/bin/env python3
"""Tiny tokenizer.json files with the exact normalizer / pre-tokenizer / model flags / post-processor / decoder of
five families' released tokenizers, and HF `tokenizers`' encodings of the committed stress text with them
-> Tests/EngineTests/Fixtures/tokenizers/family-{llama3,qwen2,gemma,phi3,tekken}.{tokenizer.json,reference.jsonl}.gz

Vocabularies are small (BpeTrainer, 1000 tokens, on the stress text itself); the pipeline around them is the family's:
  llama3  Split(Llama-3 regex, isolated) + ByteLevel(use_regex=false); BPE ignore_merges=true; post-processor
          Sequence[ByteLevel(trim_offsets=false), Template "<|begin_of_text|> $A"]; ByteLevel decoder
  qwen2   NFC normalizer; Split(Qwen2 regex: single digits) + ByteLevel(use_regex=false); BPE ignore_merges=false;
          ByteLevel(trim_offsets=false) post-processor; ByteLevel decoder; <|endoftext|>, <|im_start|>, <|im_end|>
  gemma   Replace(" " -> "▁") normalizer, no pre-tokenizer; BPE byte_fallback, fuse_unk, <unk>; Template "<bos> $A";
          decoder Sequence[Replace("▁" -> " "), ByteFallback, Fuse]; <start_of_turn>/<end_of_turn> specials
  phi3    Llama-2 style: Sequence[Prepend("▁"), Replace(" " -> "▁")] normalizer, no pre-tokenizer; BPE byte_fallback,
          fuse_unk; Template "<s> $A"; decoder Sequence[Replace, ByteFallback, Fuse, Strip(" ", 1, 0)]; chat
          specials <|user|>, <|assistant|>, <|end|> with rstrip as in Phi-3-mini
  tekken  Mistral Tekken as transformers' MistralConverter builds it from tekken.json: Split(the tekken.json
          pattern, read from mistral-common's tekken_240911.json, isolated) + ByteLevel(use_regex=false); BPE
          ignore_merges=true; ByteLevel(trim_offsets=false) post-processor; ByteLevel decoder
For the ignore_merges families (and Qwen2, where the flag is off) 40 frequent multi-token pre-tokens are added to the
vocabulary without merges: whole-word lookup (ignore_merges) then gives one token where merging gives several, so
the flag's handling is what the reference tests.

Usage: python3 scripts/reference/make_family_tokenizer_fixtures.py [MISTRAL_COMMON_WHEEL]
Needs: tokenizers (0.23).
"""
import collections, glob, gzip, json, os, sys, zipfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors, trainers
from tokenizers.models import BPE

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fixtures = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "tokenizers")
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|"
          r"\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|"
         r"\s+(?!\S)|\s+")


def tekken_pattern(wheel):
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read("mistral_common/data/tekken_240911.json"))["config"]["pattern"]


def stress_lines():
    return gzip.open(os.path.join(fixtures, "stress.txt.gz")).read().decode("utf-8").split("\n")


def byte_level(name, pattern, ignore_merges, specials, post, normalizer=None):
    tok = Tokenizer(BPE(fuse_unk=False))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=specials, show_progress=False)
    tok.train_from_iterator(stress_lines(), trainer)
    j = json.loads(tok.to_str())
    j["model"]["ignore_merges"] = ignore_merges
    add_whole_words(tok, j)
    out = Tokenizer.from_str(json.dumps(j))
    out.post_processor = post(out)
    return out


def add_whole_words(tok, j):
    """Frequent pre-tokens that BPE splits into several tokens, added to the vocabulary without merges."""
    counts = collections.Counter()
    for line in stress_lines():
        normalized = tok.normalizer.normalize_str(line) if tok.normalizer else line
        for piece, _ in tok.pre_tokenizer.pre_tokenize_str(normalized):
            counts[piece] += 1
    vocab = j["model"]["vocab"]
    added = 0
    for piece, _ in counts.most_common():
        if piece not in vocab and len(tok.model.tokenize(piece)) > 1 and len(piece) > 3:
            vocab[piece] = len(vocab)
            added += 1
            if added == 40:
                break


def sentencepiece_style(name, normalizer, decoder, specials, bos, extra):
    """A byte-fallback BPE over '▁'-joined text, as Gemma's and Llama-2/Phi-3's tokenizer.json files are."""
    tok = Tokenizer(BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizer
    trainer = trainers.BpeTrainer(vocab_size=1000, special_tokens=specials, show_progress=False)
    # No pre-tokenizer (as the families): train on whole normalised lines, capped so the trainer stays quick.
    tok.train_from_iterator([line[:200] for line in stress_lines()], trainer)
    j = json.loads(tok.to_str())
    vocab = j["model"]["vocab"]
    for b in range(256):
        piece = f"<0x{b:02X}>"
        if piece not in vocab:
            vocab[piece] = len(vocab)
    out = Tokenizer.from_str(json.dumps(j))
    out.decoder = decoder
    out.add_special_tokens(extra)
    out.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                                       special_tokens=[(bos, out.token_to_id(bos))])
    return out


def main():
    wheel = sys.argv[1] if len(sys.argv) > 1 else (glob.glob("/work/main/.assets/wheels/mistral_common-*.whl")
                                                   + glob.glob(os.path.join(repo, ".assets/wheels/mistral_common-*.whl")))[0]
    bos_template = lambda bos: lambda t: processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                      special_tokens=[(bos, t.token_to_id(bos))])])
    byte_post = lambda t: processors.ByteLevel(trim_offsets=False)
    made = {
        "llama3": byte_level("llama3", LLAMA3, True, ["<|begin_of_text|>", "<|end_of_text|>"], bos_template("<|begin_of_text|>")),
        "qwen2": byte_level("qwen2", QWEN2, False, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], byte_post,
                            normalizer=normalizers.NFC()),
        "tekken": byte_level("tekken", tekken_pattern(wheel), True, ["<unk>", "<s>", "</s>"], byte_post),
        "gemma": sentencepiece_style(
            "gemma", normalizers.Replace(" ", "▁"),
            decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]),
            ["<pad>", "<eos>", "<bos>", "<unk>"], "<bos>",
            [AddedToken("<start_of_turn>", special=True, normalized=False),
             AddedToken("<end_of_turn>", special=True, normalized=False)]),
        "phi3": sentencepiece_style(
            "phi3", normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]),
            decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                               decoders.Strip(" ", 1, 0)]),
            ["<unk>", "<s>", "</s>"], "<s>",
            [AddedToken("<|endoftext|>", special=True, normalized=False),
             AddedToken("<|assistant|>", special=True, normalized=False, rstrip=True),
             AddedToken("<|user|>", special=True, normalized=False, rstrip=True),
             AddedToken("<|end|>", special=True, normalized=False, rstrip=True)]),
    }
    lines = stress_lines()
    for name, tok in made.items():
        with gzip.GzipFile(os.path.join(fixtures, f"family-{name}.tokenizer.json.gz"), "wb", mtime=0) as f:
            f.write(tok.to_str(pretty=False).encode("utf-8"))
        tok = Tokenizer.from_str(tok.to_str())  # the reference comes from the file as written
        with gzip.GzipFile(os.path.join(fixtures, f"family-{name}.reference.jsonl.gz"), "wb", mtime=0) as out:
            for line in lines:
                e = tok.encode(line, add_special_tokens=True)
                rec = {"ids": e.ids, "offsets": [list(o) for o in e.offsets],
                       "decoded": tok.decode(e.ids, skip_special_tokens=False)}
                out.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
        print(name, tok.get_vocab_size(), "tokens")


if __name__ == "__main__":
    main()
