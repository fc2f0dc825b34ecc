#!/usr/bin/env bash
# The main job on the embedded default: SmolLM2-135M-Instruct (English) adapted to Spanish from the bundled
# English–Spanish Bible. Installs what is needed, builds, starts transtokd on a demo workspace, feeds the corpus
# into the watched folder in batches and shows status, a lexical lookup and a translation once a checkpoint appears.
# Everything lives under .demo/ (delete it to start over). Stop the daemon with: kill $(cat .demo/transtokd.pid)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export TRANSTOK_ASSETS="${TRANSTOK_ASSETS:-$repo/.assets}"

echo "== building (debug; the Engine is optimised in every configuration)"
swift build
bin=$(swift build --show-bin-path)

demo=$repo/.demo
mkdir -p "$demo/incoming"
socket=$demo/transtokd.sock
if [ -f "$demo/transtokd.pid" ] && kill -0 "$(cat "$demo/transtokd.pid")" 2>/dev/null; then
    kill "$(cat "$demo/transtokd.pid")"; sleep 1
fi
cat > "$demo/transtokd.json" <<JSON
{
  "socket": "$socket",
  "state_dir": "$demo/state",
  "debounce_seconds": 1,
  "refresh_debounce_seconds": 5,
  "workspaces": [
    {"name": "en-es", "source_language": "en", "target_language": "es",
     "source_model": "$TRANSTOK_ASSETS/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
     "parallel_dirs": ["$demo/incoming"]}
  ]
}
JSON
"$bin/transtokd" --config "$demo/transtokd.json" > "$demo/transtokd.log" 2>&1 &
echo $! > "$demo/transtokd.pid"
for _ in $(seq 50); do "$bin/transtok" status --socket "$socket" >/dev/null 2>&1 && break; sleep 0.2; done

echo "== transtokd is running (log: .demo/transtokd.log)"
"$bin/transtok" status --socket "$socket"

wait_for_file() { # until the daemon reports the file ingested or rejected (at most 2 minutes)
    for _ in $(seq 600); do
        "$bin/transtok" files --socket "$socket" | grep -q -E "^(ingested|rejected).*$1" && return 0
        sleep 0.2
    done
    echo "demo: $1 was not processed in time; see .demo/transtokd.log" >&2
    return 1
}

echo "== feeding the Bible into the watched folder in 3 batches"
zcat data/en-es-bible/bible.en-es.tsv.gz > "$demo/bible.tsv"
total=$(wc -l < "$demo/bible.tsv")
per=$(( (total + 2) / 3 ))
split -l "$per" -d --additional-suffix=.tsv "$demo/bible.tsv" "$demo/batch-"
for batch in "$demo"/batch-*.tsv; do
    name=$(basename "$batch")
    mv "$batch" "$demo/incoming/.$name.tmp" && mv "$demo/incoming/.$name.tmp" "$demo/incoming/$name"
    wait_for_file "$demo/incoming/$name"
    "$bin/transtok" status --socket "$socket" | sed -n '4p'
done
printf 'In the beginning\n' > "$demo/incoming/broken.tsv"   # a bad file: no tab
wait_for_file "$demo/incoming/broken.tsv"
echo "== files"
"$bin/transtok" files --socket "$socket"
echo "== waiting for the refresh cycle (train the Spanish tokenizer once, align, map, refresh rows, checkpoint)"
for _ in $(seq 900); do
    "$bin/transtok" checkpoints --json --socket "$socket" 2>/dev/null | grep -q '"number"' && break
    sleep 1
done
"$bin/transtok" status --socket "$socket"
echo "== checkpoints (Hugging Face directories with a manifest)"
"$bin/transtok" checkpoints --socket "$socket"
echo "== lookup: God →"
"$bin/transtok" lookup God --socket "$socket"
echo "== lookup (reverse): tierra →"
"$bin/transtok" lookup tierra --reverse --socket "$socket"
echo "== zero-shot translation with the Hydra model (no training; SmolLM2-135M is tiny, expect rough Spanish)"
"$bin/transtok" translate "In the beginning God created the heavens and the earth." --max-tokens 32 --socket "$socket"
echo "The daemon keeps running (pid $(cat "$demo/transtokd.pid")); try: $bin/transtok status --socket $socket"
