#!/usr/bin/env bash
# gzip on every core (issue 20, item 3), measured side by side in one run:
#
# 1. A raw stream: the tar of the benchmark tree (`benches/gen_tree.py`, the
#    tree `benches/package.sh` packages) through omnipack's parallel gzip -9
#    on every core and on one, the single flate2 stream omnipack wrote before,
#    `pigz -9` and `gzip -9`.
# 2. The same tree as an .rpm with a gzip -9 payload: omnipack on every core
#    and on one (`-j 1`) against `rpmbuild -bb` with its built-in default
#    payload (gzip -9, one thread).
#
# Every round runs each command once, in turn, so load from other work on the
# machine falls on all of them alike; the table gives the median of the
# rounds and ratios between medians of the same run.
#
#   benches/gzip.sh [MEGABYTES] [ROUNDS]      (default 200 3)
#
# Needs gzip, rpmbuild, rpm and GNU time; installs pigz with apt-get when it
# is missing and this runs as root (the row is left out otherwise).
# Results: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-200}; ROUNDS=${2:-3}
WORK=${WORK:-benches/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
TARGET=${CARGO_TARGET_DIR:-$PWD/target}

cargo build --release --locked -q -p omnipack
cargo build --release --locked -q -p omnipack-archive --example pgzip
OMNI=$TARGET/release/omnipack
PGZIP=$TARGET/release/examples/pgzip

if ! command -v pigz >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y --no-install-recommends pigz >/dev/null 2>&1 || true
fi

TREE=$WORK/tree-$MB
if [ ! -d "$TREE" ]; then
  echo "generating a $MB MB tree in $TREE" >&2
  python3 benches/gen_tree.py "$TREE" "$MB"
fi
TAR=$WORK/tree-$MB.tar
[ -f "$TAR" ] || tar --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" -cf "$TAR" -C "$TREE" .
N=$(nproc)
echo "input: $(du -h --apparent-size "$TAR" | cut -f1) tar of $(find "$TREE" -type f | wc -l) files; $N cores; $ROUNDS rounds" >&2
echo "load before: $(uptime)" >&2

T=$WORK/gz; rm -rf "$T"; mkdir -p "$T"

# run NAME CMD...: once, stdin from the tar, stdout to $T/NAME.gz; appends
# "wall cpu" to $T/NAME.times.
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$T/$name.time" "$@" <"$TAR" >"$T/$name.gz"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/$name.time" >>"$T/$name.times"
}
median() { # FILE COLUMN
  sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

streams=(ours_par ours_one flate2_one gzip)
command -v pigz >/dev/null && streams+=(pigz)
for r in $(seq "$ROUNDS"); do
  for s in "${streams[@]}"; do
    case $s in
      ours_par) run "$s" "$PGZIP" --level 9 --threads "$N" ;;
      ours_one) run "$s" "$PGZIP" --level 9 --threads 1 ;;
      flate2_one) run "$s" "$PGZIP" --level 9 --plain ;;
      pigz) run "$s" pigz -9 -n -p "$N" -c ;;
      gzip) run "$s" gzip -9 -n -c ;;
    esac
  done
done
# The outputs are valid gzip, and ours does not depend on the thread count.
for s in "${streams[@]}"; do gzip -t "$T/$s.gz"; done
cmp "$T/ours_par.gz" "$T/ours_one.gz"

label() {
  case $1 in
    ours_par) echo "omnipack parallel gzip -9, $N threads" ;;
    ours_one) echo "omnipack parallel gzip -9, 1 thread" ;;
    flate2_one) echo "omnipack before (one flate2 stream), -9" ;;
    pigz) echo "pigz -9 -p $N ($(pigz --version 2>&1 | awk '{print $2}'))" ;;
    gzip) echo "gzip -9 ($(gzip --version | awk 'NR==1 {print $2}'))" ;;
  esac
}
ours=$(median "$T/ours_par.times" 1)
echo
echo "Raw stream, $(du -h --apparent-size "$TAR" | cut -f1) tar, median of $ROUNDS:"
echo
echo "| encoder | wall | CPU | output | omnipack $N threads is faster by |"
echo "|---|---|---|---|---|"
for s in "${streams[@]}"; do
  w=$(median "$T/$s.times" 1); c=$(median "$T/$s.times" 2)
  awk -v l="$(label "$s")" -v w="$w" -v c="$c" -v o="$ours" -v b="$(stat -c %s "$T/$s.gz")" 'BEGIN {
    printf "| %s | %.2f s | %.2f s | %.1f MB | %.2fx |\n", l, w, c, b / 1e6, w / o }'
done

# The .rpm: package.sh's spec for rpmbuild, at its built-in payload default.
OUT=$T/out; TOP=$T/rpmbuild; mkdir -p "$OUT" "$TOP/SPECS"
cat >"$TOP/SPECS/bench.spec" <<SPEC
Name: bench
Version: 1.0
Release: 1
Summary: benchmark tree
License: MIT
AutoReqProv: no
%define debug_package %{nil}
%define __os_install_post %{nil}
%define _build_id_links none
%description
benchmark tree
%install
cp -al $TREE/. %{buildroot}/
%files
/opt/bench
/usr/bin/bench
SPEC
common=(package --from-dir "$TREE" -n bench -v 1.0 --summary "benchmark tree"
  -m "Bench <bench@example.org>" -a amd64 --out "$OUT" --quiet -f rpm --rpm-compression gzip:9)
runp() { # NAME CMD...
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$T/$name.time" "$@" >/dev/null 2>"$T/$name.log" || {
    cat "$T/$name.log" >&2; exit 1; }
  awk '{ printf "%s %.2f %d\n", $1, $2 + $3, $4 }' "$T/$name.time" >>"$T/$name.times"
}
for r in $(seq "$ROUNDS"); do
  runp rpmbuild rpmbuild --define "_topdir $TOP" -bb "$TOP/SPECS/bench.spec"
  runp omni_par "$OMNI" "${common[@]}" -j "$N"
  mv "$OUT"/bench-1.0-1.x86_64.rpm "$T/par.rpm" 2>/dev/null || mv "$OUT"/*.rpm "$T/par.rpm"
  runp omni_one "$OMNI" "${common[@]}" -j 1
  mv "$OUT"/*.rpm "$T/one.rpm"
done
cmp "$T/par.rpm" "$T/one.rpm"
rpm -K "$T/par.rpm" >&2
[ "$(rpm -qp --qf '%{PAYLOADCOMPRESSOR}/%{PAYLOADFLAGS}' "$T/par.rpm")" = gzip/9 ]
[ "$(rpm -qlp "$T/par.rpm" | grep -c '^/opt/bench/')" -gt 0 ]

ref=$(median "$T/rpmbuild.times" 1)
echo
echo "The same tree as an .rpm, gzip -9 payload, median of $ROUNDS:"
echo
echo "| build | wall | CPU | peak RSS | file | rpmbuild / this |"
echo "|---|---|---|---|---|---|"
for s in rpmbuild omni_par omni_one; do
  case $s in
    rpmbuild) l="rpmbuild -bb ($(rpmbuild --version | awk '{print $3}'), its default gzip -9)"; f=$(ls "$TOP"/RPMS/*/bench-1.0-1.*.rpm) ;;
    omni_par) l="omnipack package -f rpm, gzip:9, -j $N"; f=$T/par.rpm ;;
    omni_one) l="omnipack package -f rpm, gzip:9, -j 1"; f=$T/one.rpm ;;
  esac
  w=$(median "$T/$s.times" 1); c=$(median "$T/$s.times" 2); m=$(median "$T/$s.times" 3)
  awk -v l="$l" -v w="$w" -v c="$c" -v m="$m" -v ref="$ref" -v b="$(stat -c %s "$f")" 'BEGIN {
    printf "| %s | %.2f s | %.2f s | %.0f MiB | %.1f MB | %.2fx |\n", l, w, c, m / 1024, b / 1e6, ref / w }'
done
echo
echo "load after: $(uptime)" >&2
