#!/usr/bin/env bash
# .deb building against dpkg-deb, equal work and dpkg-deb alone (issue 20).
#
# omnipack writes DEBIAN/md5sums itself; dpkg-deb packs whatever DEBIAN/ holds.
# So two references, side by side in one run on the same tree:
#   * "equal work": md5sum of every file into DEBIAN/md5sums (what dh_md5sums
#     does: find | sort | xargs md5sum), then dpkg-deb -b; both timed;
#   * "dpkg-deb alone": dpkg-deb -b of a tree without md5sums (less work than
#     omnipack does).
# Each of the three runs REPS times, alternating (A B C A B C …) so a busy
# machine weighs on all alike; the table shows medians (wall, CPU = user+sys,
# peak RSS) and the ratios reference wall / omnipack wall.
#
#   benches/deb.sh [MEGABYTES…]                  (default: 200)
#   CODECS="zstd:3 xz:6 zstd:19" REPS=5 benches/deb.sh 200 500 2048
#
# Needs dpkg-deb and GNU time; the trees are made by benches/gen_tree.py in
# $WORK (default benches/work). Results: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-200}")
CODECS=${CODECS:-zstd:3}
REPS=${REPS:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
cargo build --release --locked -q -p omnipack
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
OUT=$WORK/deb-out; rm -rf "$OUT"; mkdir -p "$OUT"

# one NAME CMD…: one run; appends "wall cpu rss_kib" to $OUT/NAME.
one() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/t" "$@" >/dev/null 2>"$OUT/log" || { cat "$OUT/log" >&2; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$OUT/t" | tail -1 >> "$OUT/$name"
}
median() { # FILE COLUMN
  sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

echo "| tree | codec | md5sum + dpkg-deb (equal work) | dpkg-deb alone | omnipack | vs equal work | vs dpkg-deb alone |"
echo "|---|---|---|---|---|---|---|"
for MB in "${SIZES[@]}"; do
  TREE=$WORK/tree-$MB
  [ -d "$TREE" ] || { echo "generating a $MB MB tree in $TREE" >&2; python3 benches/gen_tree.py "$TREE" "$MB"; }
  # dpkg-deb needs DEBIAN/control inside the tree: hard-linked copies.
  BARE=$WORK/debtree-$MB-bare; EQUAL=$WORK/debtree-$MB-equal
  for t in "$BARE" "$EQUAL"; do
    rm -rf "$t"; cp -al "$TREE" "$t"; mkdir -p "$t/DEBIAN"
    printf 'Package: bench\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: Bench <bench@example.org>\nDescription: benchmark tree\n' > "$t/DEBIAN/control"
  done
  find "$TREE" -type f -exec cat {} + > /dev/null # the page cache warm for all three
  for C in $CODECS; do
    codec=${C%:*}; level=${C#*:}
    rm -f "$OUT"/equal "$OUT"/bare "$OUT"/omni
    for _ in $(seq "$REPS"); do
      one equal sh -c "cd '$EQUAL' && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -r0 md5sum > DEBIAN/md5sums && dpkg-deb --root-owner-group -Z$codec -z$level -b '$EQUAL' '$OUT/equal.deb'"
      one bare dpkg-deb --root-owner-group -Z"$codec" -z"$level" -b "$BARE" "$OUT/bare.deb"
      one omni "$OMNI" package --from-dir "$TREE" -n bench -v 1.0 --summary "benchmark tree" \
        -m "Bench <bench@example.org>" -a amd64 --out "$OUT" --quiet -f deb --deb-compression "$C"
    done
    cell() { printf '%s s (CPU %s s), %s MiB' "$(median "$OUT/$1" 1)" "$(median "$OUT/$1" 2)" "$(( $(median "$OUT/$1" 3) / 1024 ))"; }
    ratio() { awk -v a="$(median "$OUT/$1" 1)" -v b="$(median "$OUT/omni" 1)" 'BEGIN { printf "%.2fx", a / b }'; }
    echo "| $MB MB | $codec -$level | $(cell equal) | $(cell bare) | $(cell omni) | $(ratio equal) | $(ratio bare) |"
  done
  rm -rf "$BARE" "$EQUAL"
done
echo "REPS=$REPS, $(nproc) cores, load before the last run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
