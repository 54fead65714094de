#!/usr/bin/env bash
# Load test and soak (issue 8; a documented command, not part of CI): a release server on the
# embedded SQLite with the demo data, driven by wrk (Debian's package) with benches/load.lua.
#   benches/load.sh                   # 200 connections for 60 s, then a 10-minute soak
#   LOAD_SECONDS=20 SOAK_SECONDS=60 benches/load.sh   # a quick look
# Fails on any HTTP error or socket error; prints throughput, latency and RSS over the soak.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS="${LOAD_CONNECTIONS:-200}"
SECONDS_LOAD="${LOAD_SECONDS:-60}"
SOAK="${SOAK_SECONDS:-600}"
SOAK_CONNECTIONS="${SOAK_CONNECTIONS:-50}"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ESKALERA_DATA_DIR="$dir/data" ESKALERA_BIND="127.0.0.1:$port" RUST_LOG=warn \
  target/release/eskalera --config config/default.toml serve --demo >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 180); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && grep -q "(caseworker)" "$dir/server.log" && break
  sleep 1
done
token=$(grep "(caseworker)" "$dir/server.log" | head -1 | awk '{print $NF}')
# A legal-department session for the pages (its menu has every page of the mix).
jar="$dir/cookies"
csrf=$(curl -fs -c "$jar" "$base/logga-in" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "csrf=$csrf" --data-urlencode "email=lars.hammar@demo.eskalera.se" \
  --data-urlencode "password=eskalera-demo" --data-urlencode "next=/" "$base/logga-in"
cookie="eskalera_session=$(awk '$6 == "eskalera_session" {print $7}' "$jar" | tail -1)"
max_id=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/questions?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
export ESKALERA_TOKEN="$token" ESKALERA_COOKIE="$cookie" ESKALERA_MAX_ID="$max_id"
echo "server $pid on $base, demo questions: $max_id"

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
anon() { awk '/RssAnon/ {print $2}' "/proc/$pid/status"; }
questions() { curl -fs -H "Authorization: Bearer $token" "$base/api/v1/questions?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
check() {
  echo "$1" | grep '^LOAD' | tee -a "$dir/results"
  echo "$1" | grep -q 'http_errors=0 socket_errors=0' || { echo "errors under load:" >&2; echo "$1" >&2; exit 1; }
}

echo "== warm-up 10 s"
wrk -t2 -c"$CONNECTIONS" -d10s -s benches/load.lua "$base" >/dev/null
echo "== mixed load: $CONNECTIONS connections for ${SECONDS_LOAD} s (RSS before: $(rss) kB)"
out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" --timeout 10s -s benches/load.lua "$base")
check "$out"
echo "RSS after: $(rss) kB"

echo "== soak: $SOAK_CONNECTIONS connections for ${SOAK} s, RSS every 30 s"
printf '%8s %10s %12s %10s %10s\n' "second" "RSS kB" "anon kB" "questions" "req/s"
start_rss=""
for ((t = 0; t < SOAK; t += 30)); do
  out=$(wrk -t2 -c"$SOAK_CONNECTIONS" -d30s --timeout 10s -s benches/load.lua "$base")
  check "$out" >/dev/null
  r=$(rss)
  [ -z "$start_rss" ] && start_rss=$r
  rps=$(echo "$out" | grep -o 'rps=[0-9]*' | cut -d= -f2)
  printf '%8d %10d %12d %10d %10d\n' "$((t + 30))" "$r" "$(anon)" "$(questions)" "$rps"
done
echo "RSS after the first 30 s of soak: $start_rss kB, at the end: $r kB ($(( (r - start_rss) * 100 / start_rss )) %)"

# The writes grow the data (and with it SQLite's page caches and the index); without them the
# memory must not move: a leak per request would show here.
echo "== the same mix without writes for ${TAIL:-120} s, RSS every 30 s"
end_rss=$r
for ((t = 0; t < ${TAIL:-120}; t += 30)); do
  out=$(LOAD_MIX=nowrites wrk -t2 -c"$SOAK_CONNECTIONS" -d30s --timeout 10s -s benches/load.lua "$base")
  check "$out" >/dev/null
  r=$(rss)
  printf '%8d %10d %12d\n' "$((t + 30))" "$r" "$(anon)"
done
echo "RSS without writes: $end_rss kB to $r kB ($(( (r - end_rss) * 100 / end_rss )) %)"
