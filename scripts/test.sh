#!/usr/bin/env bash
# The test command: installs what is needed, fetches the real models, starts the loopback S3 server the Sync
# tests talk to, builds everything and runs every test (Swift Testing). CI runs exactly this (.ci/run).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export TRANSTOK_ASSETS="${TRANSTOK_ASSETS:-$repo/.assets}"

if [ -x scripts/s3-test-server.sh ]; then
    scripts/s3-test-server.sh start
    trap 'scripts/s3-test-server.sh stop' EXIT
fi

swift build --build-tests
swift test --skip-build
