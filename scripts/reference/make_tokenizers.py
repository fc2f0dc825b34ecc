#!/usr/bin/env python3
"""Build the four real tokenizer.json files used by the parity tests (reference only; never run at test time).

Usage: python3 scripts/reference/make_tokenizers.py ASSETS_DIR OUT_DIR
  ASSETS_DIR: scripts/fetch-assets.sh output (gpt2/gpt2.tiktoken, smollm2/*.gguf, mistral/tokenizer.model.v1,
              minilm/tokenizer.json)
Writes OUT_DIR/{gpt2,smollm2,mistral,minilm}.tokenizer.json
"""
import base64, json, os, shutil, sys, tempfile

from tokenizers import Tokenizer, AddedToken, decoders, pre_tokenizers, processors
from tokenizers.models import BPE


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def gpt2_from_tiktoken(path):
    ranks = {}
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    b2u = bytes_to_unicode()
    enc = lambda bs: "".join(b2u[b] for b in bs)
    vocab = {enc(t): r for t, r in ranks.items()}
    # Merges: every way of building a multi-byte token from two tokens, ordered by the merged token's rank
    # (tiktoken merges the pair whose result has the lowest rank, which BPE merge order reproduces).
    merges = []
    for tok, rank in ranks.items():
        if len(tok) < 2:
            continue
        local = []
        for i in range(1, len(tok)):
            l, r = tok[:i], tok[i:]
            if l in ranks and r in ranks:
                local.append((ranks[l], ranks[r], rank, enc(l), enc(r)))
        local.sort()
        merges.extend(local)
    merges.sort(key=lambda m: m[2])
    model = BPE(vocab=vocab, merges=[(m[3], m[4]) for m in merges], fuse_unk=False)
    t = Tokenizer(model)
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    t.decoder = decoders.ByteLevel()
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    t.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    assert t.token_to_id("<|endoftext|>") == 50256, t.token_to_id("<|endoftext|>")
    return t


def from_gguf(path):
    from transformers import AutoTokenizer
    d = tempfile.mkdtemp()
    os.symlink(os.path.abspath(path), os.path.join(d, "model.gguf"))
    tok = AutoTokenizer.from_pretrained(d, gguf_file="model.gguf")
    t = tok.backend_tokenizer
    # The GGUF says tokenizer.ggml.pre = "smollm": llama.cpp splits every digit (\\p{N}) before the GPT-2
    # regex, which is what SmolLM2's own hub tokenizer.json writes as Sequence[Digits(individual), ByteLevel].
    # transformers' GGUF converter drops that step, so restore it.
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    return t


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def gpt2_with_llama3_split(gpt2):
    """GPT-2's vocabulary behind Llama-3's pre-tokenizer (Split on the Llama-3 regex, then ByteLevel without
    regex), to test the Llama-3 split path against HF without Meta's vocabulary."""
    from tokenizers import Regex
    t = Tokenizer.from_str(gpt2.to_str())
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    t.post_processor = processors.ByteLevel(trim_offsets=True)
    return t


def mistral_from_sentencepiece(path):
    """transformers' LlamaConverter (legacy mode, as Mistral-7B-v0.1's hub tokenizer.json), plus the
    TemplateProcessing post-processor LlamaTokenizerFast adds (bos only)."""
    import sentencepiece as spm
    from transformers.convert_slow_tokenizer import LlamaConverter

    class SlowStandIn:
        vocab_file = path
        legacy = True
        add_prefix_space = True
        def __init__(self):
            self.sp = spm.SentencePieceProcessor(model_file=path)
        def convert_ids_to_tokens(self, i):
            return self.sp.id_to_piece(i)

    from transformers.tokenization_utils_base import generate_merges

    class Extractor:
        # transformers 5.x's SpmConverter passes vocab_scores where SentencePieceExtractor.extract expects a
        # model type; do what it meant: merges ordered by piece score.
        def __init__(self, model_file):
            pass
        def extract(self, vocab_scores):
            vocab = {piece: i for i, (piece, _) in enumerate(vocab_scores)}
            return vocab, generate_merges(vocab, vocab_scores)

    class Converter(LlamaConverter):
        SpmExtractor = Extractor

    t = Converter(SlowStandIn()).converted()
    t.post_processor = processors.TemplateProcessing(
        single="<s>:0 $A:0", pair="<s>:0 $A:0 <s>:1 $B:1", special_tokens=[("<s>", 1)])
    return t


def main():
    assets, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    built = {
        "gpt2": lambda: gpt2_from_tiktoken(os.path.join(assets, "gpt2/gpt2.tiktoken")),
        "smollm2": lambda: from_gguf(os.path.join(assets, "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")),
        "mistral": lambda: mistral_from_sentencepiece(os.path.join(assets, "mistral/tokenizer.model.v1")),
        "minilm": lambda: Tokenizer.from_file(os.path.join(assets, "minilm/tokenizer.json")),
    }
    built["gpt2-llama3"] = lambda: gpt2_with_llama3_split(built["gpt2"]())
    for name, make in built.items():
        t = make()
        t.no_padding()
        t.no_truncation()
        t.save(os.path.join(out, f"{name}.tokenizer.json"))
        print(name, t.get_vocab_size(), t.encode("Hello world, Привет 123!").tokens)


if __name__ == "__main__":
    main()
