#!/usr/bin/env bash
# Two refresh cycles of a real transtokd with embedding tuning (issue #15 item 4), to measure what a cycle does to
# the tuned rows: SmolLM2-135M-Instruct → Spanish, the first FIRST pairs of the bundled Bible, then the next SECOND
# pairs; tune_seconds_per_cycle BUDGET CPU seconds after each cycle. Prints, per cycle, the held-out bits/byte of the
# daemon's fixed held-out slice at the checkpoint (before tuning) and after the spent budget, and the rows the second
# cycle recomputed, carried and re-initialised (its manifest's statistics), with the load average.
# Usage: scripts/bench/daemon-tuning-cycles.sh [THRESHOLD] [BUDGET] [FIRST] [SECOND]
#   THRESHOLD: TRANSTOK_TUNE_REINIT_THRESHOLD for the daemon (relative movement of a row's initialisation above which a
#   cycle re-initialises it; 0 = every changed row, the old rule; empty = the built-in default).
# Needs a build (`swift build`; BIN overrides the binary directory) and $TRANSTOK_ASSETS/smollm2. Work directory:
# ${WORK:-/tmp/transtok-tuning-cycles-<threshold>} (removed at the start).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
threshold=${1:-}
budget=${2:-40}
first=${3:-1000}
second=${4:-1000}
assets=${TRANSTOK_ASSETS:-$repo/.assets}
bin=${BIN:-$(cd "$repo" && swift build --show-bin-path)}
work=${WORK:-/tmp/transtok-tuning-cycles-${threshold:-default}}
rm -rf "$work" && mkdir -p "$work/in"
socket=$work/transtokd.sock
cat > "$work/transtokd.json" <<JSON
{
  "socket": "$socket",
  "state_dir": "$work/state",
  "debounce_seconds": 1,
  "refresh_debounce_seconds": 2,
  "min_new_pairs": 1,
  "workspaces": [
    {"name": "en-es", "source_language": "en", "target_language": "es",
     "source_model": "$assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
     "parallel_dirs": ["$work/in"], "tune_seconds_per_cycle": $budget}
  ]
}
JSON
gzip -dc "$repo/data/en-es-bible/bible.en-es.tsv.gz" > "$work/bible.tsv"
if [ -n "$threshold" ]; then export TRANSTOK_TUNE_REINIT_THRESHOLD=$threshold; fi
"$bin/transtokd" --config "$work/transtokd.json" > "$work/transtokd.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
progress=$work/state/workspaces/en-es/tuning/progress.json

feed() { # feed NAME FROM COUNT
    sed -n "$(($2 + 1)),$(($2 + $3))p" "$work/bible.tsv" > "$work/.$1.tmp"
    mv "$work/.$1.tmp" "$work/in/$1"
}
wait_run() { # until progress.json reports a finished run that started from checkpoint $1
    for _ in $(seq 7200); do
        if [ -f "$progress" ] && python3 - "$progress" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
sys.exit(0 if p["checkpoint"] == int(sys.argv[2]) and p["finished"] else 1)
PY
        then return 0; fi
        sleep 1
    done
    echo "no finished tuning run from checkpoint $1; see $work/transtokd.log" >&2
    exit 1
}
report() { # report CYCLE
    python3 - "$progress" "$1" "$work/state/checkpoints/en-es" <<'PY'
import json, sys, glob, os
p = json.load(open(sys.argv[1]))
print(f"cycle {sys.argv[2]}: checkpoint {p['checkpoint']}: held-out {p['heldOutAtCheckpoint']:.4f} bits/byte at the checkpoint, "
      f"{p['heldOutBitsPerByte']:.4f} after {p['spentSeconds']:.1f} CPU-s ({p['runSteps']} steps, {p['runTokens']} tokens; "
      f"{p['totalSteps']} steps in all; {p['heldOutLines']} held-out lines)")
for m in sorted(glob.glob(os.path.join(sys.argv[3], "*", "manifest.json"))):
    s = json.load(open(m)).get("statistics", {})
    keys = ["rows_recomputed", "tuning_rows_carried", "tuning_rows_reinitialised", "tuning_steps"]
    print("  " + os.path.relpath(m, sys.argv[3]) + ": " + ", ".join(f"{k} {s[k]:g}" for k in keys if k in s))
PY
    echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "transtokd tuning cycles: threshold ${threshold:-default}, budget $budget CPU-s, $first + $second pairs; load $(cut -d' ' -f1-3 /proc/loadavg)"
feed a.tsv 0 "$first"
wait_run 1
report 1
feed b.tsv "$first" "$second"
wait_run 2
report 2
