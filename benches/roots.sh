#!/usr/bin/env bash
# Build roots benchmark (issue 16): `omnipack build examples/greet` for
# Debian 11, 12 and 13 in one command, 11 and 13 staged in warm build roots
# (made once with `omnipack builder create`), 12 on this machine (Debian 12),
# against
#   * the host-only build (`-d debian-12`), times three: the target is no
#     more than 1.5x that per distribution;
#   * doing it by hand the way Flocker did: in each root a venv and pip
#     (bubblewrap over a throwaway overlay of the same root, the same vendored
#     wheels), then `dpkg-deb -b` of the main package's tree.
# Median of RUNS runs. Needs root, bwrap, mmdebstrap, dpkg-deb, GNU time.
#
#   benches/roots.sh [RUNS]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000 PIP_DISABLE_PIP_VERSION_CHECK=1
cargo build --release --locked -q
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
EX=$PWD/examples/greet
ROOTS=${OMNIPACK_CACHE_DIR:-$HOME/.cache/omnipack}/roots
for d in debian-11 debian-13; do
  [ -f "$ROOTS/$d/root.json" ] || "$OMNI" builder create --quiet "$d" >/dev/null
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
since() { printf "%.2f" "$(echo "$(now) - $1" | bc)"; }

# by_hand ROOT OUT: venv + pip inside ROOT (or on this machine if ROOT is
# empty), then dpkg-deb of the tree.
by_hand() {
  local root=$1 out=$2
  rm -rf "$out"; mkdir -p "$out/tree/opt/greet" "$out/tree/DEBIAN" "$out/src"
  cp -a "$EX/." "$out/src/"
  local script='python3 -m venv /opt/greet && cd /src && /opt/greet/bin/pip install -q --no-index --find-links vendor -r requirements.txt && /opt/greet/bin/pip install -q --no-index --find-links vendor .'
  if [ -z "$root" ]; then
    (cd "$out/src" && /usr/bin/python3 -m venv "$out/tree/opt/greet" \
      && "$out/tree/opt/greet/bin/pip" install -q --no-index --find-links vendor -r requirements.txt \
      && "$out/tree/opt/greet/bin/pip" install -q --no-index --find-links vendor .)
  else
    mkdir -p "$out/ov/u" "$out/ov/w" "$out/ov/m"
    unshare --mount --propagation private -- sh -ec '
      mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/ov/u,workdir=$2/ov/w" "$2/ov/m"
      exec bwrap --bind "$2/ov/m" / --proc /proc --dev /dev --tmpfs /tmp \
        --bind "$2/tree/opt/greet" /opt/greet --bind "$2/src" /src \
        --clearenv --setenv PATH /usr/sbin:/usr/bin:/sbin:/bin --setenv HOME /root sh -c "$3"' \
      sh "$root" "$out" "$script"
  fi
  printf 'Package: greet-python\nVersion: 1.0.0-1\nArchitecture: amd64\nMaintainer: Example Ops <ops@example.org>\nDescription: greet\n' > "$out/tree/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz -b "$out/tree" "$out/greet.deb" >/dev/null
}

declare -a all all_stage host hand
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/r-all" "$WORK/r-host"
  s=$(now)
  "$OMNI" build "$EX" -d debian-11 -d debian-12 -d debian-13 \
    --builder "debian-11=$ROOTS/debian-11/root" --builder "debian-13=$ROOTS/debian-13/root" \
    --out "$WORK/r-all" >/dev/null 2>"$WORK/log.all"
  all+=("$(since "$s")")
  all_stage+=("$(sed -n 's/^staged .* in \([0-9.]*\) s$/\1/p' "$WORK/log.all")")
  s=$(now)
  "$OMNI" build "$EX" -d debian-12 --out "$WORK/r-host" >/dev/null 2>"$WORK/log.host"
  host+=("$(since "$s")")
  s=$(now)
  by_hand "$ROOTS/debian-11/root" "$WORK/h11"
  by_hand "" "$WORK/h12"
  by_hand "$ROOTS/debian-13/root" "$WORK/h13"
  hand+=("$(since "$s")")
done
A=$(printf '%s\n' "${all[@]}" | median)
S=$(printf '%s\n' "${all_stage[@]}" | median)
H=$(printf '%s\n' "${host[@]}" | median)
M=$(printf '%s\n' "${hand[@]}" | median)
echo "| work | wall (median of $RUNS) |"
echo "|---|---|"
echo "| omnipack build, debian-11 + 12 + 13, one command (9 packages) | $A s (staging $S s) |"
echo "| omnipack build, debian-12 on this machine only (3 packages) | $H s |"
echo "| by hand: venv + pip in each root, dpkg-deb of the main package (3 packages) | $M s |"
echo "| per distribution: three-release build / host-only build | $(printf '%.2f' "$(echo "$A / 3 / $H" | bc -l)")x |"
echo "| three-release build / by hand | $(printf '%.2f' "$(echo "$A / $M" | bc -l)")x |"
