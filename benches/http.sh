#!/usr/bin/env bash
# The server's figures (issue 7): transactions/s over HTTP in batches, and latency of single-transaction
# requests at a fixed rate, with the load from a second process (`tonle bench http`) on this machine.
#
#   benches/http.sh [TONLE_BINARY]     (default: target/release/tonle, built first if missing)
#
# Simulates the demo scenario (native JSON Lines and its exchange rates), starts `tonle serve` on a
# fresh embedded store (SQLite, synchronous commits) with the default rule set, then runs the load four
# times, each against a fresh server: batches of 1,000 on 2 connections and of 500 on 4 connections, as fast as
# answered; single transactions at 5,000 requests/s on 64 connections, open loop; and single transactions as
# fast as answered.
# Everything runs on loopback and stops by itself.
#
# The simulated bank makes about 7 payments a minute, so requests in flight on several connections carry event
# times hours apart (500 transactions span about 75 minutes) and arrive out of order: the server is started
# with --max-lateness 1d so that it folds them into its windows exactly instead of refusing them as too late.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
tonle=${1:-target/release/tonle}
if [ ! -x "$tonle" ]; then
  cargo build --release -p tonle
fi
work=$(mktemp -d /tmp/tonle-bench-http.XXXXXX)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

"$tonle" simulate --scenario demo --seed 7 --format jsonl --out "$work/sim" >/dev/null
echo "load: the demo scenario's transactions (seed 7), in time order, each sent once"

start_server() {
  rm -rf "$work/data" "$work/serve.log"
  key=$("$tonle" keys create --data "$work/data" --tenant bench --user switch --role ingest 2>/dev/null)
  "$tonle" serve --data "$work/data" --listen 127.0.0.1:0 --fx "$work/sim/fx.csv" --max-lateness 1d 2>"$work/serve.log" &
  server=$!
  wait_for_url "$work/serve.log"
}

stop_server() {
  kill "$server"
  wait "$server" 2>/dev/null || true
}

start_server
"$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 1000 --connections 2 --seconds 20
stop_server

start_server
"$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 500 --connections 4 --seconds 20
stop_server

start_server
"$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 1 --rate 5000 --connections 64 --seconds 10
stop_server

start_server
"$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 1 --connections 16 --seconds 10
stop_server
