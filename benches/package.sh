#!/usr/bin/env bash
# Packaging benchmark: omnipack against dpkg-deb and rpmbuild on the same tree,
# in the same run, at the same compression level. Prints a markdown table of
# wall time and peak RSS per tool and the ratio (reference / omnipack).
#
#   benches/package.sh [MEGABYTES] [XZ_LEVEL] [ZSTD_LEVEL]    (default 500 6 19)
#   BIG_MB=2048 benches/package.sh   # also the streaming check on a 2 GB tree
#   SECTIONS="fast default" benches/package.sh   # only some sections
#
# Sections: `levels` (xz -6 and zstd -19: compression-bound, both tools use
# every core), `fast` (zstd -3: packaging overhead shows), `default`
# (rpmbuild with no payload macro, i.e. its built-in gzip -9, against omnipack
# at gzip -9).
#
# Needs dpkg-deb, rpmbuild and GNU time (/usr/bin/time); results: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-500}; XZ=${2:-6}; ZSTD=${3:-19}
SECTIONS=${SECTIONS:-levels fast default}
has() { [[ " $SECTIONS " == *" $1 "* ]]; }
WORK=${WORK:-benches/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000

cargo build --release --locked -q
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack

TREE=$WORK/tree-$MB
if [ ! -d "$TREE" ]; then
  echo "generating a $MB MB tree in $TREE" >&2
  python3 benches/gen_tree.py "$TREE" "$MB"
fi
echo "tree: $(du -sh --apparent-size "$TREE" | cut -f1), $(find "$TREE" -type f | wc -l) files; $(nproc) cores" >&2

# measure NAME CMD...: runs once, records wall seconds and peak RSS (KiB).
measure() {
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/time.$name" "$@" >/dev/null 2>"$WORK/log.$name" || {
    cat "$WORK/log.$name" >&2; exit 1; }
  read -r secs rss < <(tail -1 "$WORK/time.$name")
  echo "$secs $rss"
}

row() { # label ref_secs ref_rss our_secs our_rss
  awk -v l="$1" -v rs="$2" -v rr="$3" -v os="$4" -v or="$5" 'BEGIN {
    printf "| %s | %.1f s, %.0f MiB | %.1f s, %.0f MiB | %.2fx |\n", l, rs, rr/1024, os, or/1024, rs/os }'
}

OUT=$WORK/out; rm -rf "$OUT"; mkdir -p "$OUT"

# dpkg-deb needs DEBIAN/control inside the tree: build from a hard-linked copy.
DEBTREE=$WORK/debtree; rm -rf "$DEBTREE"; cp -al "$TREE" "$DEBTREE"; mkdir -p "$DEBTREE/DEBIAN"
cat > "$DEBTREE/DEBIAN/control" <<CTL
Package: bench
Version: 1.0-1
Architecture: amd64
Maintainer: Bench <bench@example.org>
Description: benchmark tree
CTL

common=(--from-dir "$TREE" -n bench -v 1.0 --summary "benchmark tree" -m "Bench <bench@example.org>" -a amd64 --out "$OUT" --quiet)

echo "| build | reference | omnipack | speed-up |"
echo "|---|---|---|---|"
# deb_pair CODEC LEVEL: dpkg-deb against omnipack.
deb_pair() {
  local c=$1 l=$2 ds dr os or
  read -r ds dr < <(measure dpkg-$c$l dpkg-deb --root-owner-group -Z"$c" -z"$l" -b "$DEBTREE" "$OUT/ref-$c$l.deb")
  read -r os or < <(measure omni-deb-$c$l "$OMNI" package "${common[@]}" -f deb --deb-compression "$c:$l")
  row ".deb $c -$l (dpkg-deb -Z$c -z$l)" "$ds" "$dr" "$os" "$or"
}
if has levels; then deb_pair xz "$XZ"; deb_pair zstd "$ZSTD"; fi
if has fast; then deb_pair zstd 3; fi

TOP=$WORK/rpmbuild; rm -rf "$TOP"; mkdir -p "$TOP/SPECS"
cat > "$TOP/SPECS/bench.spec" <<SPEC
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
# rpm_pair CODEC LEVEL PAYLOAD-MACRO: rpmbuild -bb against omnipack (an empty
# macro leaves rpmbuild on its built-in default).
rpm_pair() {
  local c=$1 l=$2 payload=$3 rs rr os or def=()
  [ -n "$payload" ] && def=(--define "_binary_payload $payload")
  read -r rs rr < <(measure rpmbuild-$c$l rpmbuild --define "_topdir $TOP" "${def[@]}" -bb "$TOP/SPECS/bench.spec")
  read -r os or < <(measure omni-rpm-$c$l "$OMNI" package "${common[@]}" -f rpm --rpm-compression "$c:$l")
  row ".rpm $c -$l (rpmbuild -bb, ${payload:-its default})" "$rs" "$rr" "$os" "$or"
}
if has levels; then rpm_pair xz "$XZ" "w${XZ}T.xzdio"; rpm_pair zstd "$ZSTD" "w${ZSTD}T.zstdio"; fi
if has fast; then rpm_pair zstd 3 "w3T.zstdio"; fi
if has default; then rpm_pair gzip 9 ""; fi

ls -l "$OUT" "$TOP/RPMS/x86_64" >&2 || true

if [ -n "${BIG_MB:-}" ]; then
  BIG=$WORK/tree-$BIG_MB
  [ -d "$BIG" ] || python3 benches/gen_tree.py "$BIG" "$BIG_MB"
  echo >&2 "streaming check: $(du -sh --apparent-size "$BIG" | cut -f1) tree"
  for f in deb rpm; do
    read -r s r < <(measure big-$f "$OMNI" package --from-dir "$BIG" -n big -v 1.0 --summary big -m "B <b@example.org>" -a amd64 --out "$OUT" --quiet -f $f --$f-compression zstd:3)
    awk -v f=$f -v s="$s" -v r="$r" -v mb="$BIG_MB" 'BEGIN { printf "| %s MB tree as .%s (zstd -3) | %.1f s | peak RSS %.0f MiB |\n", mb, f, s, r/1024 }'
  done
fi
