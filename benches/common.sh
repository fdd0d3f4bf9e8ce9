# Shared by the server benchmarks (http.sh, restart.sh, flushes.sh): sourced, not run.

# wait_for_url LOG [SECONDS]: waits until the `tonle serve` writing LOG says where it listens (at most SECONDS,
# 10 by default) and sets `url` to it; if it does not in time, prints the log and exits.
wait_for_url() {
  local log=$1 tries=$((${2:-10} * 10))
  url=
  for _ in $(seq "$tries"); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -n 1 || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  cat "$log"
  exit 1
}
