#!/usr/bin/env bash
# Rapport's test suite: every package's tests (each fuzz target's seed
# corpus included), then each fuzz target exploring on its own for a short
# while. FUZZTIME sets how long (default 10s); FUZZTIME=0 skips fuzzing.
# A failing input is saved under the package's testdata/fuzz, where the
# plain tests run it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

go test ./...

fuzztime="${FUZZTIME:-10s}"
[ "$fuzztime" = "0" ] && exit 0
for target in \
  ./internal/importer:FuzzReader \
  ./internal/importer:FuzzParseVCards \
  ./internal/phone:FuzzNormalize \
  ./internal/api:FuzzEventDecoder \
  ./internal/rapport:FuzzAssess; do
  pkg="${target%%:*}" name="${target##*:}"
  echo "fuzzing $name for $fuzztime"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s
done
