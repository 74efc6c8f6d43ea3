#!/usr/bin/env bash
# Rebuilds the expected JSON of the config corpus with MMEngine's own config code (see README.md).
# Usage: tools/config-oracle/regenerate.sh PATH/TO/mmengine/config/config.py
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
python3 "$here/build_oracle.py" "$1" "$work"
cd "$repo/tests/Kiln.Host.Tests/Config/Corpus"
# Every .py/.json/.yaml config listed in ORACLE_CONFIGS.txt (one path per line, relative to Corpus/).
grep -v '^#' "$here/ORACLE_CONFIGS.txt" | xargs python3 "$work/dump_json.py"
rm -rf "$work"
