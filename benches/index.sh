#!/usr/bin/env bash
# Repository index benchmark (issue 4): N small .deb and N small .rpm made by
# omnipack's writers, then in one run:
#   cold:  omnipack repo index   vs createrepo_c --workers 2 --no-database (rpm)
#          omnipack repo index   vs dpkg-scanpackages and apt-ftparchive packages --db (deb)
#   incremental: add 10 packages, re-index  vs createrepo_c --update
# Each step runs RUNS times (default 5; dpkg-scanpackages once) from the
# same state, and the run with the median wall time is reported: wall time,
# CPU (user+sys) and peak RSS; ratio = reference / omnipack.
#
#   benches/index.sh [N]    (default 10000)    RUNS=3 benches/index.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
cargo build --release --locked -q
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
R=$WORK/index-$N

make_pkgs() { # dir first last format
  local dir=$1 first=$2 last=$3 fmt=$4 stage
  stage=$(mktemp -d)
  for i in $(seq "$first" "$last"); do
    mkdir -p "$stage/opt/p$i"; echo "package $i" > "$stage/opt/p$i/README"
    "$OMNI" package --quiet -n "pkg$i" -v 1.0 --summary "bench package $i" -m "B <b@example.org>" -a all \
      -f "$fmt" --from-dir "$stage" --out "$dir" --deb-compression gzip:1 --rpm-compression gzip:1 -d "libc6 (>= 2.17)" >/dev/null
    rm -rf "$stage/opt/p$i"
  done
  rm -rf "$stage"
}
if [ ! -d "$R" ]; then
  echo "making $N .deb and $N .rpm in $R" >&2
  mkdir -p "$R/deb" "$R/rpm"
  make_pkgs "$R/deb" 1 "$N" deb & make_pkgs "$R/rpm" 1 "$N" rpm & wait
fi

# measure NAME RUNS RESET cmd... → "wall cpu rss" of the run with the median
# wall time; RESET (a function, or `true`) runs before each run, untimed.
# Wall time from bash's clock (GNU time's is in 10 ms steps), CPU
# (user + sys) and peak RSS from GNU time.
measure() {
  local name=$1 runs=$2 reset=$3 i t0 t1; shift 3
  : > "$WORK/runs.$name"
  for ((i = 0; i < runs; i++)); do
    "$reset"
    t0=$EPOCHREALTIME
    /usr/bin/time -f "%U %S %M" -o "$WORK/t.$name" "$@" >/dev/null 2>"$WORK/log.$name" || { cat "$WORK/log.$name" >&2; exit 1; }
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.2f %s\n", b - a, $1 + $2, $3 }' "$WORK/t.$name" >> "$WORK/runs.$name"
  done
  sort -n "$WORK/runs.$name" | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}
row() { # label ref(w c r) ours(w c r)
  awk -v l="$1" -v rw="$2" -v rc="$3" -v rr="$4" -v ow="$5" -v oc="$6" -v or="$7" 'BEGIN {
    printf "| %s | %.3f s wall, %.2f s CPU, %.0f MiB | %.3f s wall, %.2f s CPU, %.0f MiB | %.1fx wall, %.1fx CPU, %.2fx RSS |\n",
      l, rw, rc, rr/1024, ow, oc, or/1024, rw/ow, rc/oc, rr/or }'
}
# A cold run starts with no index and no cache (a rerun of this script too).
clean_rpm() { rm -rf "$R/rpm/repodata" "$WORK/cache-rpm-cold"; }
clean_deb() { rm -f "$R/deb"/Packages* "$R/deb"/Release "$R/deb"/InRelease; rm -rf "$R/deb/by-hash" "$WORK/cache-deb-cold"; }
clean_aftp() { rm -f "$WORK/aftp.db"; }
# Runs per step (median reported); dpkg-scanpackages, at over a minute, once.
RUNS=${RUNS:-5}

echo "| step ($N packages) | reference | omnipack | ratio |"
echo "|---|---|---|---|"
read -r rw rc rr < <(measure cr-cold "$RUNS" clean_rpm createrepo_c --workers 2 --no-database -q "$R/rpm")
read -r ow oc or < <(measure om-rpm-cold "$RUNS" clean_rpm env OMNIPACK_CACHE_DIR="$WORK/cache-rpm-cold" "$OMNI" repo index --quiet "$R/rpm")
row "cold yum (createrepo_c --workers 2 --no-database)" "$rw" "$rc" "$rr" "$ow" "$oc" "$or"
clean_deb
read -r rw rc rr < <(cd "$R/deb" && measure dsp-cold 1 true sh -c 'dpkg-scanpackages . > /dev/null 2>&1')
read -r aw ac ar < <(cd "$R/deb" && measure aftp-cold "$RUNS" clean_aftp apt-ftparchive packages --db "$WORK/aftp.db" .)
read -r ow oc or < <(measure om-deb-cold "$RUNS" clean_deb env OMNIPACK_CACHE_DIR="$WORK/cache-deb-cold" "$OMNI" repo index --quiet "$R/deb")
row "cold apt (dpkg-scanpackages)" "$rw" "$rc" "$rr" "$ow" "$oc" "$or"
row "cold apt (apt-ftparchive packages --db)" "$aw" "$ac" "$ar" "$ow" "$oc" "$or"

# Incremental: 10 more rpms; createrepo_c --update against omnipack's cache,
# each run from the same state (the index and cache of the cold run).
make_pkgs "$R/rpm" $((N + 1)) $((N + 10)) rpm
rm -rf "$WORK/repodata-before" "$WORK/cache-before"
cp -a "$R/rpm/repodata" "$WORK/repodata-before"
cp -a "$WORK/cache-rpm-cold" "$WORK/cache-before"
reset_update() { rm -rf "$R/rpm/repodata"; cp -a "$WORK/repodata-before" "$R/rpm/repodata"; }
reset_inc() { reset_update; rm -rf "$WORK/cache-rpm-cold"; cp -a "$WORK/cache-before" "$WORK/cache-rpm-cold"; }
read -r rw rc rr < <(measure cr-update "$RUNS" reset_update createrepo_c --workers 2 --no-database --update -q "$R/rpm")
read -r ow oc or < <(measure om-rpm-inc "$RUNS" reset_inc env OMNIPACK_CACHE_DIR="$WORK/cache-rpm-cold" "$OMNI" repo index --quiet "$R/rpm")
row "add 10, re-index yum (createrepo_c --update)" "$rw" "$rc" "$rr" "$ow" "$oc" "$or"
# Leave the tree as it was for the next run.
reset_update; rm -rf "$WORK/repodata-before" "$WORK/cache-before"
for i in $(seq $((N + 1)) $((N + 10))); do rm -f "$R/rpm/pkg$i-"*.rpm; done
