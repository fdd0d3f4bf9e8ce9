#!/usr/bin/env bash
# Whether this machine stalls its processes when the disk is synced often: a probe sleeps 0.5 ms at a time for
# a few seconds and counts the sleeps that overran by more than 3 ms, alone and while a second process appends
# 14 KB to a file and fsyncs it N times a second (about what `tonle serve` does per commit of a few
# transactions). On the 2-core virtual machine of the README's figures, from about 2,000 syncs a second every
# process is held up for several milliseconds every 100-200 ms, which sets a floor under the server's p99
# latency with `--sync full`.
#
#   benches/stalls.sh [SECONDS]      (default 3 per run; needs python3; writes only under a temporary directory)
set -euo pipefail
seconds=${1:-3}
work=$(mktemp -d /tmp/tonle-stalls.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat >"$work/probe.py" <<'PY'
import sys, time
end = time.perf_counter() + float(sys.argv[1])
start = time.perf_counter()
sleeps, stalls = 0, []
while time.perf_counter() < end:
    before = time.perf_counter()
    time.sleep(0.0005)
    took = time.perf_counter() - before
    sleeps += 1
    if took > 0.003:
        stalls.append((before - start, took))
worst = max((t for _, t in stalls), default=0.0)
print(f"{sleeps:6d} sleeps, {len(stalls):3d} overran by >3 ms, worst {worst * 1000:5.1f} ms"
      + ("; at " + " ".join(f"{a * 1000:.0f}" for a, _ in stalls[:12]) + " ms" if stalls else ""))
PY

cat >"$work/syncs.py" <<'PY'
import os, sys, time
path, seconds, size, rate = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
start, done = time.time(), 0
while time.time() < start + seconds:
    os.write(fd, b"x" * size)
    os.fsync(fd)
    done += 1
    ahead = start + done / rate - time.time()
    if ahead > 0:
        time.sleep(ahead)
print(f"{done / seconds:6.0f} syncs/s done", end=", ")
PY

echo "probe alone:                 $(python3 "$work/probe.py" "$seconds")"
for rate in 500 1000 2000 3000; do
  python3 "$work/syncs.py" "$work/file" "$(awk "BEGIN { print $seconds + 0.5 }")" 14000 "$rate" >"$work/syncs.out" &
  sleep 0.2
  probe=$(python3 "$work/probe.py" "$seconds")
  wait
  printf '%-28s %s%s\n' "with $rate syncs/s of 14 KB:" "$(cat "$work/syncs.out")" "$probe"
  rm -f "$work/file"
done
