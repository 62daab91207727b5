#!/usr/bin/env bash
# Gem source benchmark (issue 7): N generated .gem files (benches/gen_gems.py),
# then in one run:
#   cold:          gem generate_index           vs omnipack repo index --kind gem (empty cache)
#   add one gem:   gem generate_index --update  vs omnipack repo index --kind gem (warm cache)
# Wall time, CPU (user+sys) and peak RSS from GNU time; ratio = reference / omnipack.
# The reference is Debian 12's RubyGems 3.3 `gem generate_index`.
#
#   benches/gems.sh [N]    (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
cargo build --release --locked -q
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
G=$WORK/gems-$N
if [ ! -d "$G/gems" ]; then
  echo "writing $N gems into $G/gems" >&2
  mkdir -p "$G/gems"
  /usr/bin/python3 benches/gen_gems.py "$G/gems" "$N"
fi
REF=$WORK/gems-ref; OURS=$WORK/gems-ours; CACHE=$WORK/gems-cache
rm -rf "$REF" "$OURS" "$CACHE"; mkdir -p "$REF" "$OURS"
cp -a "$G/gems" "$REF/gems"; cp -a "$G/gems" "$OURS/gems"
sync

measure() { # name cmd... → "wall cpu rss"
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t.$name" "$@" >/dev/null 2>"$WORK/log.$name" || { cat "$WORK/log.$name" >&2; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$WORK/t.$name"
}
row() { # label ref(w c r) ours(w c r)
  awk -v l="$1" -v rw="$2" -v rc="$3" -v rr="$4" -v ow="$5" -v oc="$6" -v or="$7" 'BEGIN {
    printf "| %s | %.2f s wall, %.2f s CPU, %.0f MiB | %.2f s wall, %.2f s CPU, %.0f MiB | %.1fx wall, %.1fx CPU, %.2fx RSS |\n",
      l, rw, rc, rr/1024, ow, oc, or/1024, rw/ow, rc/oc, rr/or }'
}
OURS_CMD=(env OMNIPACK_CACHE_DIR="$CACHE" "$OMNI" repo index --quiet --kind gem "$OURS")

echo "| step ($N gems) | gem generate_index | omnipack | ratio |"
echo "|---|---|---|---|"
read -r rw rc rr < <(measure gi-cold gem generate_index --directory "$REF")
read -r ow oc or < <(measure om-cold "${OURS_CMD[@]}")
row "cold" "$rw" "$rc" "$rr" "$ow" "$oc" "$or"

# One more gem (a new version of an existing name), then update both.
T=$(mktemp -d); /usr/bin/python3 benches/gen_gems.py "$T" 1 "$((N + 7))"
cp "$T"/*.gem "$REF/gems/"; cp "$T"/*.gem "$OURS/gems/"; rm -rf "$T"
read -r rw rc rr < <(measure gi-update gem generate_index --update --directory "$REF")
read -r ow oc or < <(measure om-update "${OURS_CMD[@]}")
row "add one gem, re-index (--update)" "$rw" "$rc" "$rr" "$ow" "$oc" "$or"

# Same answer: the names, versions and platforms RubyGems reads from both.
cmp <(ruby -rzlib -e 'p Marshal.load(Zlib.gunzip(File.binread(ARGV[0]))).map { |n, v, p| [n, v.to_s, p] }' "$REF/specs.4.8.gz") \
    <(ruby -rzlib -e 'p Marshal.load(Zlib.gunzip(File.binread(ARGV[0]))).map { |n, v, p| [n, v.to_s, p] }' "$OURS/specs.4.8.gz") \
  && echo "specs.4.8.gz: same names, versions and platforms as gem generate_index" >&2
