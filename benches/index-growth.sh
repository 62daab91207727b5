#!/usr/bin/env bash
# How the apt index's cost grows (issue 20, item 4): N small .deb (made by
# benches/gen_debs.py, the layout of omnipack's own), for each N:
#   cold: omnipack repo index (Packages, .gz, .xz, by-hash, Release, cache)
#         vs apt-ftparchive packages --db (uncompressed Packages to /dev/null)
#   +10:  10 more packages, from the cold run's cache / database
# The two tools run alternately, RUNS times each (default 5); the run with
# the median wall time of each is reported: wall (bash's clock), CPU
# (user+sys) and peak RSS (GNU time); ratio = apt-ftparchive / omnipack.
#
#   benches/index-growth.sh [N...]      (default: 1000 10000 100000)
#   OMNI=path/to/omnipack RUNS=3 WORK=/tmp/w benches/index-growth.sh 10000
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHES=$PWD/benches
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
if [ -z "${OMNI:-}" ]; then
  cargo build --release --locked -q
  OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
fi
RUNS=${RUNS:-5}
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)

# one NAME RESET cmd... : one timed run, "wall cpu rss" appended to runs.NAME.
one() {
  local name=$1 reset=$2 t0 t1; shift 2
  "$reset"
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%U %S %M" -o "$WORK/t.$name" "$@" >/dev/null 2>"$WORK/log.$name" || { cat "$WORK/log.$name" >&2; exit 1; }
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.2f %s\n", b - a, $1 + $2, $3 }' "$WORK/t.$name" >> "$WORK/runs.$name"
}
median() { sort -n "$WORK/runs.$1" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'; }
row() { # label ref(w c r) ours(w c r)
  awk -v l="$1" -v rw="$2" -v rc="$3" -v rr="$4" -v ow="$5" -v oc="$6" -v or="$7" 'BEGIN {
    printf "| %s | %.3f s, %.2f s CPU, %.0f MiB | %.3f s, %.2f s CPU, %.1f MiB | %.1fx wall, %.1fx CPU, %.2fx RSS |\n",
      l, rw, rc, rr/1024, ow, oc, or/1024, rw/ow, rc/oc, rr/or }'
}

echo "| step | apt-ftparchive packages --db | omnipack repo index | ratio |"
echo "|---|---|---|---|"
for N in "${SIZES[@]}"; do
  D=$WORK/g$N/deb
  if [ ! -d "$D" ]; then
    echo "making $N .deb in $D" >&2
    "$BENCHES/gen_debs.py" "$D" 1 "$N"
  fi
  for i in $(seq $((N + 1)) $((N + 10))); do rm -f "$D/pkg${i}_"*.deb; done
  clean_om() { rm -f "$D"/Packages* "$D"/Release "$D"/InRelease; rm -rf "$D/by-hash" "$WORK/cache-$N"; }
  clean_af() { rm -f "$WORK/aftp-$N.db"; }
  : > "$WORK/runs.af-cold"; : > "$WORK/runs.om-cold"
  for ((r = 0; r < RUNS; r++)); do
    (cd "$D" && one af-cold clean_af apt-ftparchive packages --db "$WORK/aftp-$N.db" .)
    one om-cold clean_om env OMNIPACK_CACHE_DIR="$WORK/cache-$N" "$OMNI" repo index --quiet "$D"
  done
  read -r aw ac ar < <(median af-cold); read -r ow oc or < <(median om-cold)
  row "$N cold" "$aw" "$ac" "$ar" "$ow" "$oc" "$or"

  # +10: each run from the cold run's state (index, cache, database).
  rm -rf "$WORK/before-$N"; mkdir -p "$WORK/before-$N"
  cp -a "$WORK/cache-$N" "$WORK/before-$N/cache"; cp "$WORK/aftp-$N.db" "$WORK/before-$N/aftp.db"
  cp -a "$D"/Packages* "$D"/Release "$D/by-hash" "$WORK/before-$N/"
  "$BENCHES/gen_debs.py" "$D" $((N + 1)) $((N + 10))
  reset_om() { clean_om; cp -a "$WORK/before-$N/cache" "$WORK/cache-$N"; cp -a "$WORK/before-$N"/Packages* "$WORK/before-$N/Release" "$WORK/before-$N/by-hash" "$D/"; }
  reset_af() { cp "$WORK/before-$N/aftp.db" "$WORK/aftp-$N.db"; }
  : > "$WORK/runs.af-inc"; : > "$WORK/runs.om-inc"
  for ((r = 0; r < RUNS; r++)); do
    (cd "$D" && one af-inc reset_af apt-ftparchive packages --db "$WORK/aftp-$N.db" .)
    one om-inc reset_om env OMNIPACK_CACHE_DIR="$WORK/cache-$N" "$OMNI" repo index --quiet "$D"
  done
  read -r aw ac ar < <(median af-inc); read -r ow oc or < <(median om-inc)
  row "$N +10" "$aw" "$ac" "$ar" "$ow" "$oc" "$or"
  for i in $(seq $((N + 1)) $((N + 10))); do rm -f "$D/pkg${i}_"*.deb; done
  rm -rf "$WORK/before-$N"
done
