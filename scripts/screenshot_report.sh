#!/bin/sh
# Render an HTML audit report and take a screenshot of it with headless Chromium, to look at
# the report the way a reader will (charts, layout, escaping).  Nothing here is needed by the
# test suite; tests that use Chromium skip when it is absent.
#
#   scripts/screenshot_report.sh [DATA…]          # default: the demo dataset
#   OUT=/tmp/report.png scripts/screenshot_report.sh train.jsonl
#
# Chromium on Debian:  apt-get install -y chromium
# The flags keep it offline and quiet: no sandbox (containers), no GPU, no first-run or
# background network traffic, a throw-away profile.
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- fixtures/demo/support_train.jsonl
HTML=${HTML:-/tmp/datalint-report.html}
OUT=${OUT:-/tmp/datalint-report.png}
SIZE=${SIZE:-1280,2400}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}
.venv/bin/datalint check "$@" --format html -o "$HTML" || true  # exit 1 = findings
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$PROFILE" --screenshot="$OUT" --window-size="$SIZE" \
    "file://$(realpath "$HTML")" 2>/dev/null
echo "report: $HTML"
echo "screenshot: $OUT"
