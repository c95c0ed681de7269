#!/usr/bin/env bash
# System packages some tests need. Under CI=true (bare CI machines) they are installed;
# on a user's machine nothing is installed: we say plainly which tests will be skipped and why.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk\|nanum" || need+=(fonts-noto-cjk)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "CI: installing system packages: chromium fonts-noto-cjk fonts-dejavu-core bubblewrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-cjk fonts-dejavu-core bubblewrap >/dev/null
else
  for p in "${need[@]}"; do
    case $p in
      chromium) echo "NOTE: Chromium is not installed (/usr/bin/chromium): the browser tests of the built site (tests/site/test_browser.py) will be SKIPPED. Install it with: sudo apt-get install chromium";;
      bubblewrap) echo "NOTE: bubblewrap (bwrap) is not installed: the tests that grade or score submissions inside a sandbox will be SKIPPED. Install it with: sudo apt-get install bubblewrap";;
      fonts-noto-cjk) echo "NOTE: no CJK font found: screenshots of Korean pages may show boxes. Install with: sudo apt-get install fonts-noto-cjk";;
    esac
  done
fi
