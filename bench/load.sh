#!/usr/bin/env bash
# Load benchmark: `casebook load DIR --filter 'access_key:X'` over N synthetic CloudTrail events in
# the S3 layout (.json.gz, 500 records per file), beside `xargs -P2 zcat` of the same files.
# Reports wall time (best of RUNS), events/s, MB/s of uncompressed JSON, the ratio to zcat, and
# peak RSS against the uncompressed size.
#
#   bench/load.sh              # 300000 and 1000000 events
#   bench/load.sh 50000        # any sizes
#
# Needs bc and GNU time (Debian: apt-get install bc time).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casebook-target}"
DATA="${BENCH_DATA:-$HOME/.cache/casebook-bench}"
RUNS="${RUNS:-3}"
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(300000 1000000); fi

cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/casebook"
NEEDLE=AKIASYNTHNEEDLE00001

# Best wall time of $RUNS runs of a shell command, in seconds.
best_of() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local start end elapsed
    start=$(date +%s.%N)
    bash -c "$1" >/dev/null
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc)
    if [ -z "$best" ] || (( $(echo "$elapsed < $best" | bc) )); then best=$elapsed; fi
  done
  echo "$best"
}

printf '%-9s %6s %9s %8s %8s %11s %9s %6s %9s %6s\n' events files json_MB zcat_s load_s events/s MB/s ratio rss_MB rss/json
for n in "${SIZES[@]}"; do
  dir="$DATA/cloudtrail-$n"
  if [ ! -d "$dir" ]; then
    "$BIN" synth "$dir" --events "$n" --per-file 500 2>/dev/null
  fi
  files=$(find "$dir" -name '*.json.gz' | wc -l)
  json_bytes=$(find "$dir" -name '*.json.gz' -print0 | xargs -0 zcat | wc -c)
  find "$dir" -name '*.json.gz' -print0 | xargs -0 cat >/dev/null   # warm the page cache

  zcat_s=$(best_of "find '$dir' -name '*.json.gz' -print0 | xargs -0 -P2 -n 64 zcat")
  load_s=$(best_of "'$BIN' load '$dir' --filter 'access_key:$NEEDLE'")
  rss_kb=$( { /usr/bin/time -f '%M' "$BIN" load "$dir" --filter "access_key:$NEEDLE" >/dev/null; } 2>&1 | tail -1)

  json_mb=$(echo "scale=1; $json_bytes / 1000000" | bc)
  printf '%-9s %6s %9s %8.3f %8.3f %11.0f %9.0f %6.2f %9.0f %6.2f\n' \
    "$n" "$files" "$json_mb" "$zcat_s" "$load_s" \
    "$(echo "$n / $load_s" | bc -l)" "$(echo "$json_bytes / 1000000 / $load_s" | bc -l)" \
    "$(echo "$load_s / $zcat_s" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)" \
    "$(echo "$rss_kb * 1024 / $json_bytes" | bc -l)"
done
