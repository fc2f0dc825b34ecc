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

# Formatting is part of the suite: a Swift file that `swift format` would change fails here (scripts/format.sh apply).
scripts/format.sh check

swift build --build-tests
# Suites whose assertions depend on timers run after the rest, each in its own test process, one at a time: how fast
# an upload stops after cancellation (SyncLifeTests), a scan's settle window (ScanSettleTests), how fast requests
# answer while others wait for SQLite's write lock (RequestPoolTests), tuning budgets that are the test process's CPU
# time (WorkspaceTuningTests), and the 3-minute soak (SoakTests: a real daemon under load, with time bounds on its
# stops and answers; about 3.5 minutes). Swift Testing runs suites side by side on a cooperative pool as wide as the
# machine (2 threads here), and suites that block a thread (process waits, blocking I/O) starved the others' tasks
# for seconds to minutes, so their time bounds measured the test runner, not transtok.
timed_suites=(SyncLifeTests ScanSettleTests RequestPoolTests WorkspaceTuningTests SoakTests)
swift test --skip-build --skip "$(IFS='|'; echo "${timed_suites[*]}")"
for suite in "${timed_suites[@]}"; do
    swift test --skip-build --filter "$suite"
done
