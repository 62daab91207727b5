#!/usr/bin/env bash
# Serving benchmark (issue 20): `omnipack serve` against nginx on the same
# files, side by side in one run, under wrk on loopback: a 1.1 KB file and a
# 1 MiB file, with 1 and 32 connections (2 threads, 1 for one connection; DURATION seconds each).
# Both servers write an access log (nginx's to a file, omnipack's to stderr
# redirected to a file). Prints requests/s, mean latency and the ratio.
#
#   benches/serve.sh [DURATION]      (default 5)
# Needs wrk and nginx (Debian: wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
cargo build --release --locked -q
OMNI=$PWD/target/release/omnipack
D=$WORK/serve; rm -rf "$D"; mkdir -p "$D/root" "$D/nginx"
head -c 1126 /dev/urandom | base64 -w 76 | head -c 1126 > "$D/root/small.txt"
head -c 1048576 /dev/urandom > "$D/root/large.bin"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NP=$(free_port); OP=$(free_port)
cat > "$D/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $D/nginx/access.log;
  sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  client_body_temp_path $D/nginx; proxy_temp_path $D/nginx; fastcgi_temp_path $D/nginx;
  uwsgi_temp_path $D/nginx; scgi_temp_path $D/nginx;
  server { listen 127.0.0.1:$NP; root $D/root; }
}
CONF
nginx -c "$D/nginx/nginx.conf"
"$OMNI" serve "$D/root" --listen "127.0.0.1:$OP" 2>"$D/omnipack.log" &
OPID=$!
trap 'kill $OPID 2>/dev/null; kill "$(cat "$D/nginx/nginx.pid")" 2>/dev/null || true' EXIT
sleep 1
run() { # port path conns -> "req/s latency"
  local t=2; [ "$3" -lt 2 ] && t=1
  wrk -t"$t" -c"$3" -d"${DUR}s" --latency "http://127.0.0.1:$1/$2" 2>/dev/null |
    awk '/Requests\/sec/ {r=$2} /^    Latency/ {l=$2} END {print r, l}'
}
echo "| file | connections | nginx req/s (mean latency) | omnipack req/s (mean latency) | ratio |"
echo "|---|---|---|---|---|"
for f in small.txt large.bin; do
  for c in 1 32; do
    read -r nr nl < <(run "$NP" "$f" "$c")
    read -r or ol < <(run "$OP" "$f" "$c")
    echo "| $f | $c | $nr ($nl) | $or ($ol) | $(printf '%.2f' "$(echo "$or / $nr" | bc -l)")x |"
  done
done
echo "omnipack serve peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$OPID/status)"
