#!/usr/bin/env bash
# How much of the server's tail latency is this machine's disk flushes (issue 7): the p99 of single-transaction
# requests at a fixed rate, with the same server build and the same load, in four settings:
#   disk                the data directory on disk: every commit syncs SQLite's log (the default);
#   memory              the data directory on tmpfs (/dev/shm): the same code and system calls, but a sync
#                       writes nothing to a disk;
#   memory + flusher    as memory, while another process overwrites 24 KB of a file and fdatasyncs it N times
#                       a second (about what the server's commits flush), touching nothing of the server's;
#   disk + flusher      both.
# If "memory + flusher" is as slow as "disk", the flushes hold up every process on the machine, not only the
# one that waits for them.
#
#   benches/flushes.sh [TONLE_BINARY] [ROUNDS] [RATE] [FLUSHES_PER_SECOND] [FLUSH_BYTES]
#       (defaults: target/release/tonle, 2 rounds, 5000 requests/s, 1000 flushes/s of 24576 bytes; needs
#       python3; SERVE_ARGS, if set, is added to every `tonle serve`, e.g. SERVE_ARGS="--commit-interval
#       2ms"; each run is a fresh server for 10 s; everything runs on loopback, under temporary directories,
#       and stops by itself)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
tonle=${1:-target/release/tonle}
rounds=${2:-2}
rate=${3:-5000}
flushes=${4:-1000}
flush_bytes=${5:-24576}
for number in "$rounds" "$rate" "$flushes" "$flush_bytes"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "flushes.sh: ROUNDS, RATE, FLUSHES_PER_SECOND and FLUSH_BYTES are positive whole numbers, not '$number'" >&2; exit 2; }
done
if [ ! -x "$tonle" ]; then
  cargo build --release -p tonle
fi
[ -d /dev/shm ] || { echo "no /dev/shm (tmpfs) on this machine" >&2; exit 1; }
work=$(mktemp -d /tmp/tonle-bench-flushes.XXXXXX)
if [ "$(stat -f -c %T "$work")" = tmpfs ]; then
  rmdir "$work"
  echo "/tmp is on tmpfs here: the disk settings would flush nothing; run from a machine whose /tmp is on its disk" >&2
  exit 1
fi
memory=$(mktemp -d /dev/shm/tonle-bench-flushes.XXXXXX)
server=
flusher=
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "$flusher" ] && kill $flusher 2>/dev/null; rm -rf "$work" "$memory"' EXIT

cat >"$work/flusher.py" <<'PY'
import os, sys, time
path, seconds, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
size, region = int(sys.argv[4]), 32 << 20
fd = os.open(path, os.O_RDWR | os.O_CREAT)
os.write(fd, b"\0" * region)
os.fsync(fd)
start, done, offset = time.time(), 0, 0
while time.time() < start + seconds:
    os.pwrite(fd, b"x" * size, offset)
    offset = (offset + size) % region
    os.fdatasync(fd)
    done += 1
    ahead = start + done / rate - time.time()
    if ahead > 0:
        time.sleep(ahead)
PY

"$tonle" simulate --scenario demo --seed 7 --format jsonl --out "$work/sim" >/dev/null

# run SETTING DATA_PARENT WITH_FLUSHER
run() {
  local data="$2/data"
  rm -rf "$data" "$work/serve.log"
  local key
  key=$("$tonle" keys create --data "$data" --tenant bench --user switch --role ingest 2>/dev/null)
  if [ "$3" = yes ]; then
    python3 "$work/flusher.py" "$work/flushed" 12 "$flushes" "$flush_bytes" &
    flusher=$!
  fi
  "$tonle" serve --data "$data" --listen 127.0.0.1:0 --fx "$work/sim/fx.csv" --max-lateness 1d ${SERVE_ARGS:-} 2>"$work/serve.log" &
  server=$!
  local url
  wait_for_url "$work/serve.log"
  local load
  load=$("$tonle" bench http --url "$url" --key "$key" --in "$work/sim/transactions.jsonl" --batch 1 \
    --rate "$rate" --connections 32 --seconds 10) || { printf '%s: the load failed:\n%s\n' "$1" "$load" >&2; exit 1; }
  printf '%-18s %s\n' "$1" "$(grep latency <<<"$load" | sed 's/ *latency *//; s/ (from.*//')"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
  if [ -n "$flusher" ]; then
    kill "$flusher" 2>/dev/null || true
    wait "$flusher" 2>/dev/null || true
    flusher=
    rm -f "$work/flushed"
  fi
}

echo "single transactions at $rate requests/s, 32 connections, 10 s each; the flusher: $flushes fdatasyncs/s of $flush_bytes bytes${SERVE_ARGS:+; serve $SERVE_ARGS}"
for round in $(seq "$rounds"); do
  echo "round $round"
  run "disk" "$work" no
  run "memory" "$memory" no
  run "memory + flusher" "$memory" yes
  run "disk + flusher" "$work" yes
done
