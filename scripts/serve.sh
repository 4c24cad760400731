#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs `tessera serve` on the embedded default
# (data under ./tessera-data, listening on 127.0.0.1:8080). Extra arguments go to `serve`.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$top/scripts/install-deps.sh"
dir="$("$top/scripts/build.sh" release | tail -n 1)"
exec "$dir/tessera" serve "$@"
