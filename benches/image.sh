#!/usr/bin/env bash
# Image benchmark (issue 19): `omnipack image build --push` of the example's
# `greet-control` image to a loopback docker-registry,
#   * cold: no cached base or package layer, an empty registry repository;
#   * warm: nothing changed, run again (cached layers, every blob already in
#     the registry);
# against `skopeo copy` of the same OCI layout to another repository of
# the same registry, cold and warm, as the transfer reference (equal work:
# the same five blobs, the same manifest). Median of RUNS runs; bytes are
# what the registry received (PUT and PATCH bodies, from omnipack's report
# and skopeo's repository size). Needs root, bwrap, docker-registry, skopeo
# and the debian-12 build root (`omnipack builder create debian-12`).
#
#   benches/image.sh [RUNS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
cargo build --release --locked -q
OMNI=$PWD/target/release/omnipack
EX=$PWD/examples/greet
CACHE=${OMNIPACK_CACHE_DIR:-$HOME/.cache/omnipack}
[ -f "$CACHE/roots/debian-12/root.json" ] || "$OMNI" builder create --quiet debian-12 >/dev/null
rm -rf "$WORK/img"; mkdir -p "$WORK/img"
"$OMNI" build --quiet "$EX" -d debian-12 -o "$WORK/img/dist" >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/img/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/img/registry}}
http: {addr: 127.0.0.1:$PORT}
YML
docker-registry serve "$WORK/img/registry.yml" > "$WORK/img/registry.log" 2>&1 &
REG=$!
trap 'kill $REG 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
since() { printf "%.3f" "$(echo "$(now) - $1" | bc)"; }
# A private cache holding only the build root: cold layers each run.
cold_cache() { rm -rf "$WORK/img/cache"; mkdir -p "$WORK/img/cache"; ln -s "$CACHE/roots" "$WORK/img/cache/roots"; }
build() { # NAMESPACE → bytes uploaded
  OMNIPACK_CACHE_DIR="$WORK/img/cache" "$OMNI" image build "$EX" --quiet --json --image greet-control \
    --packages "$WORK/img/dist" -o "$WORK/img/out" --push "127.0.0.1:$PORT/$1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["push"]["bytes"])'
}
declare -a cold warm scold swarm
for i in $(seq "$RUNS"); do
  cold_cache
  s=$(now); cold_bytes=$(build "o$i"); cold+=("$(since "$s")")
  s=$(now); warm_bytes=$(build "o$i"); warm+=("$(since "$s")")
  s=$(now); skopeo copy -q --dest-tls-verify=false "oci:$WORK/img/out/greet-control:1.0.0-1" "docker://127.0.0.1:$PORT/s$i/greet-control:1.0.0-1"; scold+=("$(since "$s")")
  s=$(now); skopeo copy -q --dest-tls-verify=false "oci:$WORK/img/out/greet-control:1.0.0-1" "docker://127.0.0.1:$PORT/s$i/greet-control:1.0.0-1"; swarm+=("$(since "$s")")
done
m() { printf '%s\n' "$@" | median; }
echo "omnipack image build --push, cold (base + install + push): $(m "${cold[@]}") s, $cold_bytes bytes uploaded"
echo "omnipack image build --push, warm (nothing changed):       $(m "${warm[@]}") s, $warm_bytes bytes uploaded"
echo "skopeo copy of the same layout, cold:                      $(m "${scold[@]}") s"
echo "skopeo copy of the same layout, warm:                      $(m "${swarm[@]}") s"
echo "warm ratio (skopeo copy / omnipack rebuild and push):      $(echo "scale=2; $(m "${swarm[@]}") / $(m "${warm[@]}")" | bc)x"
