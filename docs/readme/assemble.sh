#!/usr/bin/env bash
# Builds README.md from the sections in docs/readme/, in reading order.
set -euo pipefail
cd "$(dirname "$0")"
{
  for f in 00-intro.md console.md console-send.md certs.md send-probe.md lint.md profiles.md mock.md bench.md reliability.md 99-layout.md; do
    [ -f "$f" ] || continue
    if [ "$f" = console-send.md ]; then
      # its headings sit one level below the console's
      sed -e 's/^### /#### /' -e 's/^## /### /' -e 's/^# /### /' "$f"
    else
      cat "$f"
    fi
    echo
  done
} > ../../README.md
