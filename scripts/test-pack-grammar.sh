#!/usr/bin/env bash
# Runs the platform-pack grammar check on the shipped packs and its self-test (seeded typos in a temporary
# copy must fail with file:line). Exit 0 only when both pass. For a C# test: `bash scripts/test-pack-grammar.sh`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python3 "$here/check-pack-grammar.py" --root "$here/.."
python3 "$here/check-pack-grammar.py" --root "$here/.." --self-test
