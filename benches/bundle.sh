#!/usr/bin/env bash
# Bundle benchmark (issue 6): pack and verify a bundle of SIZE MB (default
# 1024) against the reference tools on the same tree in the same run:
#   sha256sum  `find -type f | xargs sha256sum` (one process, one core) vs
#              `omnipack bundle verify DIR` (SHA-256 of every file, all cores)
#   tar czf    `tar czf` (gzip -6, one core) vs `omnipack bundle pack`
#              (SHA-1 + SHA-256 of every file on all cores, then the sorted
#              deterministic tar, gzip -6)
# Throughput ratio = reference time / omnipack time (> 1: omnipack faster).
# The tree is benches/gen_tree.py's mixed tree (text, binary, small files)
# under a bundle directory with a crowbar.yml; caches are warm (each input
# is read once before timing).
#
#   benches/bundle.sh [SIZE_MB]        OMNI=PATH uses that omnipack binary
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1024}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
if [ -z "${OMNI:-}" ]; then
  cargo build --release --locked -q -p omnipack
  OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
fi
R=$WORK/bundle-$MB
B=$R/src/benchbundle
if [ ! -f "$R/.complete" ]; then
  rm -rf "$R"; mkdir -p "$B"
  echo "generating a $MB MB tree in $B" >&2
  python3 benches/gen_tree.py "$B/cache/files" "$MB"
  find "$B" -type l -delete   # gen_tree's absolute links dangle here; pack follows links
  printf 'barclamp:\n  name: benchbundle\n  version: 1\ncrowbar:\n  order: 10\n' > "$B/crowbar.yml"
  touch "$R/.complete"
fi
find "$B" -type l -delete
rm -rf "$R/out" "$R/ref.tar.gz"; mkdir -p "$R/out"
find "$B" -type f -print0 | xargs -0 cat > /dev/null   # warm the page cache

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
BYTES=$(du -sb "$B" | cut -f1)
CORES=$(nproc)
T_SHA=$(t sh -c "cd '$B' && find . -type f -print0 | xargs -0 sha256sum")
T_TAR=$(t tar czf "$R/ref.tar.gz" -C "$R/src" benchbundle)
T_PACK=$(t "$OMNI" bundle pack --quiet "$B" --destdir "$R/out")
# The packed bundle directory (with its checksum files) is what verify reads.
rm -rf "$R/unpacked"; mkdir -p "$R/unpacked"; tar xzf "$R/out/benchbundle.tar.gz" -C "$R/unpacked"
find "$R/unpacked" -type f -print0 | xargs -0 cat > /dev/null
T_VERIFY=$(t "$OMNI" bundle verify --quiet "$R/unpacked/benchbundle")
T_VTAR=$(t "$OMNI" bundle verify --quiet "$R/out/benchbundle.tar.gz")

mbps() { echo "scale=1; $BYTES / 1048576 / $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "tree: $((BYTES / 1048576)) MiB, $(find "$B" -type f | wc -l) files, $CORES cores"
printf '%-34s %8s s %8s MiB/s\n' "sha256sum (1 core)" "$T_SHA" "$(mbps "$T_SHA")"
printf '%-34s %8s s %8s MiB/s  %sx sha256sum, %sx per core\n' "omnipack bundle verify DIR" "$T_VERIFY" "$(mbps "$T_VERIFY")" "$(ratio "$T_SHA" "$T_VERIFY")" "$(echo "scale=2; $T_SHA / $T_VERIFY / $CORES" | bc)"
printf '%-34s %8s s %8s MiB/s\n' "omnipack bundle verify TARBALL" "$T_VTAR" "$(mbps "$T_VTAR")"
printf '%-34s %8s s %8s MiB/s\n' "tar czf" "$T_TAR" "$(mbps "$T_TAR")"
printf '%-34s %8s s %8s MiB/s  %sx tar czf\n' "omnipack bundle pack" "$T_PACK" "$(mbps "$T_PACK")" "$(ratio "$T_TAR" "$T_PACK")"
printf 'sizes: tar czf %s bytes, omnipack %s bytes\n' "$(stat -c %s "$R/ref.tar.gz")" "$(stat -c %s "$R/out/benchbundle.tar.gz")"
