#!/usr/bin/env bash
# Formatting with the toolchain's swift-format and the repository's .swift-format (4-space indent, 120 columns,
# existing line breaks kept; the lint-only rules are off, so `check` passes on any tree `apply` wrote).
#   scripts/format.sh check   exit 1 (listing the files) if a Swift file is not formatted
#   scripts/format.sh apply   format every Swift file in place
# Files: Package.swift, Sources/, Tests/ (fixtures excluded).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! swift format --version >/dev/null 2>&1; then
    echo "format.sh: 'swift format' is not available (it ships with Swift 6 toolchains)" >&2
    exit 2
fi

files() {
    { echo Package.swift; git ls-files -- 'Sources/*.swift' 'Tests/*.swift'; } | grep -v '/Fixtures/' | sort -u
}

case "${1:-}" in
check)
    # `lint --strict` reports every line `format` would change. `[EndOfLineComment]` (a trailing comment that makes
    # its line too long) is not something `format` can fix, so it is reported but does not fail the check.
    report=$(files | tr '\n' '\0' | xargs -0 swift format lint --strict --parallel --configuration .swift-format 2>&1) || true
    if [ -n "$report" ]; then echo "$report"; fi
    failures=$(printf '%s\n' "$report" | grep -v '\[EndOfLineComment\]' | grep -c ': \(error\|warning\):' || true)
    if [ "$failures" -gt 0 ]; then
        echo "format.sh: files above are not formatted; run scripts/format.sh apply" >&2
        exit 1
    fi
    ;;
apply)
    files | tr '\n' '\0' | xargs -0 swift format format --in-place --parallel --configuration .swift-format
    ;;
*)
    echo "usage: scripts/format.sh check|apply" >&2
    exit 2
    ;;
esac
