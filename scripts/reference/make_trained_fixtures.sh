#!/bin/sh
# Fixtures for the tokenizer-training tests (reference only). Trains both kinds with transtok on the committed
# stress text, and records (a) HF tokenizers' encodings of the stress text with our trained files and
# (b) HF BpeTrainer's own byte-level training on the same text (vocab/merges must equal ours).
# Usage: scripts/reference/make_trained_fixtures.sh  (after swift build; needs python3 + tokenizers)
set -eu
OUT=Tests/EngineTests/Fixtures/tokenizers
HERE=$(dirname "$0")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
gunzip -c "$OUT/stress.txt.gz" > "$TMP/corpus.txt"
for kind in sentencepiece-bpe byte-level-bpe; do
  .build/debug/transtok train-tokenizer --input "$TMP/corpus.txt" --vocab-size 3000 --kind "$kind" --output "$TMP/$kind"
  gzip -9n -c "$TMP/$kind/tokenizer.json" > "$OUT/trained-$kind.tokenizer.json.gz"
  python3 "$HERE/encode_reference.py" "$TMP/$kind/tokenizer.json" "$TMP/corpus.txt" "$OUT/trained-$kind.reference.jsonl.gz"
done
python3 - "$TMP/corpus.txt" "$OUT/hf-trained-byte-level-bpe.tokenizer.json.gz" <<'PY'
import gzip, sys
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
t = Tokenizer(models.BPE())
t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
# Lines split on "\n" as transtok reads them (HF's file reader would keep each "\n" as text).
lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")
t.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=3000, min_frequency=2, special_tokens=["<|endoftext|>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
with gzip.GzipFile(sys.argv[2], "wb", mtime=0) as f:
    f.write(t.to_str().encode())
PY
