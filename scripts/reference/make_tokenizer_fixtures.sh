#!/bin/sh
# Regenerate Tests/EngineTests/Fixtures/tokenizers from the fetched assets (reference only; tests need no Python).
# Usage: scripts/reference/make_tokenizer_fixtures.sh [ASSETS_DIR] [DATA_DIR]
# Needs: python3 with tokenizers (0.23), transformers (5.x), sentencepiece, protobuf, gguf.
set -eu
ASSETS=${1:-.assets}
DATA=${2:-../shared/data}
HERE=$(dirname "$0")
OUT=Tests/EngineTests/Fixtures/tokenizers
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
python3 "$HERE/make_tokenizers.py" "$ASSETS" "$TMP/tok"
python3 "$HERE/make_stress_text.py" "$DATA" "$TMP/stress.txt"
for t in gpt2 smollm2 mistral minilm gpt2-llama3; do
  python3 "$HERE/encode_reference.py" "$TMP/tok/$t.tokenizer.json" "$TMP/stress.txt" "$OUT/$t.reference.jsonl.gz"
done
for t in gpt2 smollm2 mistral minilm; do
  gzip -9n -c "$TMP/tok/$t.tokenizer.json" > "$OUT/$t.tokenizer.json.gz"
done
# gpt2-llama3 differs from gpt2 only in these two keys; the test patches them into gpt2's file.
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); json.dump({k: j[k] for k in ('pre_tokenizer','post_processor')}, open(sys.argv[2],'w'), ensure_ascii=False, indent=1)" \
  "$TMP/tok/gpt2-llama3.tokenizer.json" "$OUT/gpt2-llama3.overrides.json"
gzip -9n -c "$TMP/stress.txt" > "$OUT/stress.txt.gz"
# Synthetic tokenizers for the components the real ones do not use (Unigram + Precompiled, WordPiece variants,
# BPE prefix/suffix, added-token options, every Split behaviour, Metaspace schemes, Roberta).
python3 "$HERE/make_component_fixtures.py" "$DATA/en-es-bible/corpus.en" "$OUT/components.reference.jsonl.gz"
