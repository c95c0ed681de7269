#!/usr/bin/env bash
# pip install quietly; on failure print pip's whole log (minus mirror noise) and fail.
set -uo pipefail
py=$1; shift
log=$(mktemp)
if "$py" -m pip --disable-pip-version-check install "$@" >"$log" 2>&1; then rm -f "$log"; exit 0; fi
grep -v "is ignored: it is neither" "$log"; rm -f "$log"; exit 1
