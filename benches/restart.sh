#!/usr/bin/env bash
# The server's restart figures (issue 7): what a snapshot costs while serving, and how long a start takes
# after SIGKILL (latest snapshot plus the log after it) and after a clean stop (the snapshot taken at stop).
#
#   benches/restart.sh [TONLE_BINARY]     (default: target/release/tonle, built first if missing)
#
# Simulates the demo scenario (seed 7: 1,454,907 transactions), streams all of it through a fresh
# `tonle serve` on the embedded store in batches of 1,000 on 2 connections (a snapshot every 250,000
# transactions, the default), prints the snapshot metrics, kills the server with SIGKILL, starts it again and
# prints what it restored and replayed, then stops it with SIGTERM and starts it once more.
# Everything runs on loopback and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
tonle=${1:-target/release/tonle}
if [ ! -x "$tonle" ]; then
  cargo build --release -p tonle
fi
work=$(mktemp -d /tmp/tonle-bench-restart.XXXXXX)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

"$tonle" simulate --scenario demo --seed 7 --format jsonl --out "$work/sim" >/dev/null
key=$("$tonle" keys create --data "$work/data" --tenant bench --user switch --role ingest 2>/dev/null)

start_server() {
  local log=$1
  "$tonle" serve --data "$work/data" --listen 127.0.0.1:0 --fx "$work/sim/fx.csv" --max-lateness 1d 2>"$log" &
  server=$!
  local started=$EPOCHREALTIME
  wait_for_url "$log" 120
  awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "  listening after %.1f s: ", b - a }'
  grep 'tonle: tenant' "$log" || echo "(nothing to restore)"
}

echo "== streaming the scenario through a fresh server"
start_server "$work/serve1.log"
"$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 1000 --connections 2 --seconds 300
curl -s "$url/metrics" | grep -E '^tonle_snapshot_(bytes|(pause|encode|store)_seconds_(sum|count))'
kill -KILL "$server"
wait "$server" 2>/dev/null || true

echo "== start after SIGKILL"
start_server "$work/serve2.log"
kill -TERM "$server"
wait "$server" 2>/dev/null || true

echo "== start after SIGTERM (a snapshot taken at stop)"
start_server "$work/serve3.log"
kill -TERM "$server"
wait "$server" 2>/dev/null || true
server=
