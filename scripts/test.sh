#!/usr/bin/env bash
# Rapport's test suite: every package's tests (each fuzz target's seed
# corpus included), then each fuzz target exploring on its own for a short
# while. FUZZTIME sets how long (default 10s); FUZZTIME=0 skips fuzzing.
# A failing input is saved under the package's testdata/fuzz, where the
# plain tests run it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
# Rapport builds with Go 1.27.3 (go.mod): the go command fetches it from the
# module proxy when the machine's own Go is older, even where the machine
# is set never to switch (GOTOOLCHAIN=local).
export GOTOOLCHAIN=go1.27.3

go test ./...

fuzztime="${FUZZTIME:-10s}"
[ "$fuzztime" = "0" ] && exit 0
# fuzz runs one target, exploring for $fuzztime.
fuzz() {
  go test "$1" -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s
}

for target in \
  ./internal/importer:FuzzReader \
  ./internal/importer:FuzzParseVCards \
  ./internal/importer:FuzzRoundTrip \
  ./internal/store:FuzzBackupRoundTrip \
  ./internal/phone:FuzzNormalize \
  ./internal/intake:FuzzEventDecoder \
  ./internal/rapport:FuzzAssess \
  ./internal/inbound:FuzzParse; do
  pkg="${target%%:*}" name="${target##*:}"
  echo "fuzzing $name for $fuzztime"
  fuzz "$pkg" "$name"
done
