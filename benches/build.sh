#!/usr/bin/env bash
# Omnibus build benchmark (issue 3): `omnipack build` of examples/greet for
# debian-12 and rocky-9, split into staging (venv + pip) and packaging,
# against doing the same by hand: venv + pip into a staging root, then
# dpkg-deb -b and rpmbuild -bb of that tree (main package only: the meta
# packages are a few files). Median of RUNS runs; peak RSS of the median run.
#
#   benches/build.sh [RUNS]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000 PIP_DISABLE_PIP_VERSION_CHECK=1
cargo build --release --locked -q
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
# A copy whose rocky-9 stages on this machine with Rocky 9's python3.11
# (AppStream), as the tests do: a Debian 12 machine is not a Rocky 9 root.
EX=$WORK/greet; rm -rf "$EX"; cp -a examples/greet "$EX"
printf '\n[distributions.rocky-9]\npython = "/usr/bin/python3.11"\npython-package = "python3.11"\nbuilder = "host"\n' >> "$EX/omnipack.toml"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a o_total o_stage o_pack o_rss h_stage h_deb h_rpm h_rss_deb h_rss_rpm
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/b-omni"
  /usr/bin/time -f "%e %M" -o "$WORK/t.omni" "$OMNI" build "$EX" -d debian-12 -d rocky-9 --out "$WORK/b-omni" >/dev/null 2>"$WORK/log.omni"
  read -r t rss < "$WORK/t.omni"
  o_total+=("$t"); o_rss+=("$rss")
  o_stage+=("$(sed -n 's/^staged .* in \([0-9.]*\) s$/\1/p' "$WORK/log.omni")")
  o_pack+=("$(sed -n 's/^wrote .* in \([0-9.]*\) s.*$/\1/p' "$WORK/log.omni")")

  # By hand: the same venv and pip runs, no relocation.
  H=$WORK/b-hand; rm -rf "$H"; mkdir -p "$H/root/DEBIAN"
  s0=$(date +%s.%N)
  /usr/bin/python3 -m venv --without-pip "$H/root/opt/greet"
  (cd "$EX" && python3 -m pip --python "$H/root/opt/greet/bin/python" install -q --no-index --find-links vendor -r requirements.txt \
     && python3 -m pip --python "$H/root/opt/greet/bin/python" install -q --no-index --find-links vendor .)
  s1=$(date +%s.%N)
  h_stage+=("$(printf "%.2f" "$(echo "$s1 - $s0" | bc)")")
  printf 'Package: greet-python\nVersion: 1.0.0-1\nArchitecture: amd64\nMaintainer: Example Ops <ops@example.org>\nDescription: greet\n' > "$H/root/DEBIAN/control"
  /usr/bin/time -f "%e %M" -o "$WORK/t.deb" dpkg-deb --root-owner-group -Zxz -b "$H/root" "$H/greet.deb" >/dev/null
  read -r t rss < "$WORK/t.deb"; h_deb+=("$t"); h_rss_deb+=("$rss")
  rm -rf "$H/root/DEBIAN"; mkdir -p "$H/top/SPECS"
  cat > "$H/top/SPECS/greet.spec" <<SPEC
Name: greet-python
Version: 1.0.0
Release: 1
Summary: greet
License: MIT
AutoReqProv: no
%define debug_package %{nil}
%define __os_install_post %{nil}
%define _build_id_links none
%description
greet
%install
cp -a $H/root/. %{buildroot}/
%files
/opt/greet
SPEC
  /usr/bin/time -f "%e %M" -o "$WORK/t.rpm" rpmbuild --define "_topdir $H/top" --define "_binary_payload w19.zstdio" -bb "$H/top/SPECS/greet.spec" >/dev/null 2>&1
  read -r t rss < "$WORK/t.rpm"; h_rpm+=("$t"); h_rss_rpm+=("$rss")
done

m() { printf '%s\n' "$@" | median; }
echo "| step | omnipack build (6 packages) | by hand (main package only) |"
echo "|---|---|---|"
echo "| staging: venv + pip | $(m "${o_stage[@]}") s (with relocation, pyc recompile) | $(m "${h_stage[@]}") s (no relocation) |"
echo "| packaging | $(m "${o_pack[@]}") s for 3 .deb + 3 .rpm | dpkg-deb $(m "${h_deb[@]}") s + rpmbuild $(m "${h_rpm[@]}") s for 1 .deb + 1 .rpm |"
echo "| total wall | $(m "${o_total[@]}") s | $(printf "%.2f" "$(echo "$(m "${h_stage[@]}") + $(m "${h_deb[@]}") + $(m "${h_rpm[@]}")" | bc)") s |"
echo "| peak RSS | $(( $(m "${o_rss[@]}") / 1024 )) MiB | dpkg-deb $(( $(m "${h_rss_deb[@]}") / 1024 )) MiB, rpmbuild $(( $(m "${h_rss_rpm[@]}") / 1024 )) MiB |"
