#!/usr/bin/env bash
# Image benchmark (issue 19): `omnipack image build --push` of the example's
# `greet-control` image to a loopback docker-registry,
#   * cold: no cached base or package layer, an empty registry repository;
#   * warm: nothing changed, run again (cached layers, every blob already in
#     the registry);
#   * push only: layers cached, to a repository that has nothing;
# against `skopeo copy` of the same OCI layout to a registry of its own,
# cold and warm, as the transfer reference (equal work with the push-only
# run: the same five blobs, the same manifest). Median of RUNS runs; bytes are
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
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
EX=$PWD/examples/greet
CACHE=${OMNIPACK_CACHE_DIR:-$HOME/.cache/omnipack}
[ -f "$CACHE/roots/debian-12/root.json" ] || "$OMNI" builder create --quiet debian-12 >/dev/null
rm -rf "$WORK/img"; mkdir -p "$WORK/img"
"$OMNI" build --quiet "$EX" -d debian-12 -o "$WORK/img/dist" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_registry NAME PORT: a docker-registry with its own storage.
start_registry() {
  cat > "$WORK/img/$1.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/img/$1}}
http: {addr: 127.0.0.1:$2}
YML
  docker-registry serve "$WORK/img/$1.yml" > "$WORK/img/$1.log" 2>&1 &
  echo $! > "$WORK/img/$1.pid"
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$2/v2/" >/dev/null && return; sleep 0.1; done
}
stop_registry() { kill "$(cat "$WORK/img/$1.pid")" 2>/dev/null || true; }
PORT=$(free_port)
start_registry registry "$PORT"
trap 'for p in "$WORK"/img/*.pid; do kill "$(cat "$p")" 2>/dev/null || true; done' EXIT

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
# skopeo remembers where it saw a blob (its blob-info cache, for root in
# /var/lib/containers/cache) and mounts it from another repository of the
# same registry instead of uploading it: each run copies to a registry of
# its own, so its cold copy uploads every blob, as omnipack's cold push does.
sk() { skopeo copy -q --dest-tls-verify=false "oci:$WORK/img/out/greet-control:1.0.0-1" "docker://127.0.0.1:$2/s$1/greet-control:1.0.0-1"; }
declare -a cold warm fresh scold swarm
for i in $(seq "$RUNS"); do
  cold_cache
  s=$(now); cold_bytes=$(build "o$i"); cold+=("$(since "$s")")
  s=$(now); warm_bytes=$(build "o$i"); warm+=("$(since "$s")")
  # Layers cached, a repository that has nothing: the push is the work.
  s=$(now); fresh_bytes=$(build "p$i"); fresh+=("$(since "$s")")
  sport=$(free_port); start_registry "skopeo-$i" "$sport"
  s=$(now); sk "$i" "$sport"; scold+=("$(since "$s")")
  s=$(now); sk "$i" "$sport"; swarm+=("$(since "$s")")
  stop_registry "skopeo-$i"
done
m() { printf '%s\n' "$@" | median; }
echo "omnipack image build --push, cold (base + install + push): $(m "${cold[@]}") s, $cold_bytes bytes uploaded"
echo "omnipack image build --push, warm (nothing changed):       $(m "${warm[@]}") s, $warm_bytes bytes uploaded"
echo "omnipack, layers cached, to an empty repository (the push): $(m "${fresh[@]}") s, $fresh_bytes bytes uploaded"
echo "skopeo copy of the same layout, cold:                      $(m "${scold[@]}") s"
echo "push ratio (skopeo copy cold / omnipack to an empty repo):  $(echo "scale=2; $(m "${scold[@]}") / $(m "${fresh[@]}")" | bc)x"
echo "skopeo copy of the same layout, warm:                      $(m "${swarm[@]}") s"
echo "warm ratio (skopeo copy / omnipack rebuild and push):      $(echo "scale=2; $(m "${swarm[@]}") / $(m "${warm[@]}")" | bc)x"
