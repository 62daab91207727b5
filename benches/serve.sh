#!/usr/bin/env bash
# Serving benchmark (issue 20): `omnipack serve` against nginx on the same
# files, side by side in one run, under wrk on loopback: a 1.1 KB, a 1 MiB
# and a 10 MiB file, with 1, 32 and 256 connections (2 threads, 1 for one
# connection; DURATION seconds each).
# Both servers write an access log (nginx's to a file, omnipack's to stderr
# redirected to a file). Prints requests/s, mean latency and the ratio.
#
#   benches/serve.sh [DURATION]      (default 5)
# Needs wrk and nginx (Debian: wrk nginx-light).
#
#   benches/serve.sh abuse
# instead runs `omnipack serve` with its default limits against 1 000 idle
# keep-alive connections and 300 slowloris clients (a header byte a second)
# while a normal client makes 2 000 GETs; prints when they were closed, the
# normal client's latency, the thread count and peak RSS (about 70 s; the
# RELIABILITY.md figures). Needs only python3.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
cargo build --release --locked -q -p omnipack
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
D=$WORK/serve; rm -rf "$D"; mkdir -p "$D/root" "$D/nginx"
head -c 1126 /dev/urandom | base64 -w 76 | head -c 1126 > "$D/root/small.txt"
head -c 1048576 /dev/urandom > "$D/root/large.bin"
head -c 10485760 /dev/urandom > "$D/root/huge.bin"
if [ "$MODE" = abuse ]; then
  ulimit -n "$(ulimit -Hn)"
  exec python3 - "$OMNI" "$D/root" <<'PY'
import socket, subprocess, sys, time, threading, statistics
omni, root = sys.argv[1], sys.argv[2]
p = subprocess.Popen([omni, "serve", root, "--listen", "127.0.0.1:0", "-q"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
url = p.stdout.readline().decode().strip()
host, port = url[7:-1].split(":"); port = int(port)
def status(key):
    for line in open(f"/proc/{p.pid}/status"):
        if line.startswith(key): return line.split(":")[1].strip()
REQ = b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
def get(s):
    s.sendall(REQ); buf = b""
    while True:
        d = s.recv(65536)
        if not d: raise RuntimeError("closed")
        buf += d
        if b"\r\n\r\n" in buf:
            h, _, b = buf.partition(b"\r\n\r\n")
            n = int([l for l in h.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
            if len(b) >= n: return
def conn():
    s = socket.create_connection((host, port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); return s
t0 = time.time()
idle = []
for _ in range(1000):
    s = conn(); get(s); idle.append(s)
print(f"1000 idle keep-alive connections opened and answered in {time.time()-t0:.2f} s", flush=True)
slow = [socket.create_connection((host, port)) for _ in range(300)]
ts = time.time(); closed_slow = {}
head = b"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
def slowloris():
    for byte in head:
        for k, s in enumerate(slow):
            if k in closed_slow: continue
            try:
                s.send(bytes([byte])); s.setblocking(False)
                try:
                    if s.recv(1) == b"": closed_slow[k] = time.time() - ts
                except BlockingIOError: pass
                s.setblocking(True)
            except OSError:
                closed_slow[k] = time.time() - ts
        if len(closed_slow) == len(slow): return
        time.sleep(1)
th = threading.Thread(target=slowloris); th.start()
lat = []; threads = []
c = conn()
for i in range(2000):
    a = time.perf_counter(); get(c); lat.append(time.perf_counter() - a)
    if i % 100 == 0: threads.append(int(status("Threads")))
th.join()
print(f"300 slowloris clients closed {min(closed_slow.values()):.1f}..{max(closed_slow.values()):.1f} s after their first byte", flush=True)
print(f"normal client meanwhile: 2000 GETs, median {statistics.median(lat)*1e3:.3f} ms, max {max(lat)*1e3:.3f} ms; server threads at most {max(threads)}", flush=True)
closed_idle = {}
for s in idle: s.settimeout(0.001)
while len(closed_idle) < 1000 and time.time() - t0 < 120:
    for k, s in enumerate(idle):
        if k in closed_idle: continue
        try:
            if s.recv(1) == b"": closed_idle[k] = time.time() - t0
        except socket.timeout: pass
        except OSError: closed_idle[k] = time.time() - t0
    time.sleep(0.5)
print(f"idle connections: {len(closed_idle)} of 1000 closed, {min(closed_idle.values()):.1f}..{max(closed_idle.values()):.1f} s after the first was opened; {status('Threads')} threads, peak RSS {status('VmHWM')}", flush=True)
p.terminate(); p.wait()
PY
fi
DUR=$MODE
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
for f in ${FILES:-small.txt large.bin huge.bin}; do
  for c in ${CONNS:-1 32 256}; do
    read -r nr nl < <(run "$NP" "$f" "$c")
    read -r or ol < <(run "$OP" "$f" "$c")
    echo "| $f | $c | $nr ($nl) | $or ($ol) | $(printf '%.2f' "$(echo "$or / $nr" | bc -l)")x |"
  done
done
echo "omnipack serve peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$OPID/status), threads: $(awk '/Threads/ {print $2}' /proc/$OPID/status)"
