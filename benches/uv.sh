#!/usr/bin/env bash
# Staging with uv against pip (issue 20, item 7): `omnipack build -d
# debian-12 --installer pip|uv` of two applications, offline from vendored
# wheels, runs alternating in this one script; the staging time is the one
# `omnipack build` prints ("staged … in X s"), median of RUNS.
#
# * greet: examples/greet (tabulate + flit_core, the project built as a wheel).
# * httpie: httpie 3.2.4 and its dependencies as wheels (17 with the
#   flit_core backend of the wrapper project), downloaded once with `pip
#   download` into WORK (never committed), installed from a requirements
#   file by a one-module wrapper project.
#
# Then one by-hand run of each installer splits staging into its steps:
# venv creation, the installs, and the rest of omnipack's staging
# (relocation and the checked-hash compileall, timed on its own as well).
#
#   benches/uv.sh [RUNS]      (default 5; uv from PATH, e.g. `pip install uv`)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000 PIP_DISABLE_PIP_VERSION_CHECK=1
command -v uv >/dev/null || { echo "benches/uv.sh: no uv on PATH (pip install uv)" >&2; exit 1; }
cargo build --release --locked -q -p omnipack
OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack

# The applications.
GREET=$WORK/uv-greet; rm -rf "$GREET"; cp -a examples/greet "$GREET"
HTTPIE=$WORK/uv-httpie
if [ ! -f "$HTTPIE/vendor/.complete" ]; then
  rm -rf "$HTTPIE"; mkdir -p "$HTTPIE/vendor" "$HTTPIE/httpie_omnibus"
  /usr/bin/python3 -m pip download -q --only-binary=:all: -d "$HTTPIE/vendor" httpie==3.2.4 flit_core==3.9.0
  touch "$HTTPIE/vendor/.complete"
fi
( cd "$HTTPIE"; mkdir -p httpie_omnibus
  printf 'httpie==3.2.4\n' > requirements.txt
  printf '"""httpie, packaged by omnipack."""\n__version__ = "1.0.0"\n' > httpie_omnibus/__init__.py
  printf '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "httpie_omnibus"\nversion = "1.0.0"\ndescription = "httpie"\nrequires-python = ">=3.7"\n' > pyproject.toml
  cat > omnipack.toml <<'TOML'
[project]
name = "httpie"
version = "3.2.4"
summary = "httpie with all its dependencies"
license = "BSD-3-Clause"
maintainer = "Bench <bench@example.org>"
[build]
recipe = "python"
requirements = "requirements.txt"
pip-args = ["--no-index", "--find-links", "vendor"]
[[package]]
name = "httpie-python"
main = true
[[package.symlinks]]
path = "/usr/bin/http"
target = "/opt/httpie/bin/http"
TOML
)
echo "httpie: $(ls "$HTTPIE/vendor"/*.whl | wc -l) wheels in $HTTPIE/vendor" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m() { printf '%s\n' "$@" | median; }
now() { date +%s.%N; }
since() { printf '%.2f' "$(echo "$(now) - $1" | bc)"; }

declare -A stage total
for i in $(seq "$RUNS"); do
  for app in greet httpie; do
    dir=$GREET; [ "$app" = httpie ] && dir=$HTTPIE
    for inst in pip uv; do
      rm -rf "$WORK/uv-out"
      /usr/bin/time -f "%e" -o "$WORK/uv-t" "$OMNI" build "$dir" -d debian-12 --installer "$inst" \
        --out "$WORK/uv-out" >/dev/null 2>"$WORK/uv-log"
      stage[$app.$inst]+="$(sed -n 's/^staged .* in \([0-9.]*\) s$/\1/p' "$WORK/uv-log") "
      total[$app.$inst]+="$(cat "$WORK/uv-t") "
    done
  done
done

echo "| application | pip: staging (whole build) | uv: staging (whole build) | staging, pip / uv |"
echo "|---|---|---|---|"
for app in greet httpie; do
  # shellcheck disable=SC2086
  p=$(m ${stage[$app.pip]}); u=$(m ${stage[$app.uv]})
  # shellcheck disable=SC2086
  echo "| $app | $p s ($(m ${total[$app.pip]}) s) | $u s ($(m ${total[$app.uv]}) s) | **$(printf '%.1f' "$(echo "$p / $u" | bc -l)")x** |"
done

# Where the time goes: the same steps by hand, one run each.
COMPILE='import compileall, py_compile, sys
compileall.compile_dir(sys.argv[1], maxlevels=1000, ddir=sys.argv[2], force=True, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)'
echo
echo "| application, installer | venv | installs | relocation + compileall (omnipack's rest) | of which compileall |"
echo "|---|---|---|---|---|"
for app in greet httpie; do
  dir=$GREET; [ "$app" = httpie ] && dir=$HTTPIE
  for inst in pip uv; do
    H=$WORK/uv-hand; rm -rf "$H"; mkdir -p "$H/.omnipack-tmp"
    t=$(now); /usr/bin/python3 -m venv --without-pip "$H/opt/$app"; venv=$(since "$t")
    t=$(now)
    if [ "$inst" = pip ]; then
      (cd "$dir" && TMPDIR=$H/.omnipack-tmp python3 -m pip --python "$H/opt/$app/bin/python" install -q --no-compile --no-index --find-links vendor -r requirements.txt \
         && TMPDIR=$H/.omnipack-tmp python3 -m pip --python "$H/opt/$app/bin/python" install -q --no-compile --no-index --find-links vendor .)
    else
      export UV_CACHE_DIR=$H/.omnipack-tmp/uv-cache UV_LINK_MODE=copy UV_NO_PROGRESS=1 UV_PYTHON_DOWNLOADS=never
      (cd "$dir" && TMPDIR=$H/.omnipack-tmp uv pip install -q --no-compile-bytecode --python "$H/opt/$app/bin/python" --no-index --find-links vendor -r requirements.txt \
         && TMPDIR=$H/.omnipack-tmp uv pip install -q --no-compile-bytecode --python "$H/opt/$app/bin/python" --no-index --find-links vendor .)
      unset UV_CACHE_DIR UV_LINK_MODE UV_NO_PROGRESS UV_PYTHON_DOWNLOADS
    fi
    installs=$(since "$t")
    t=$(now); "$H/opt/$app/bin/python" -c "$COMPILE" "$H/opt/$app" "/opt/$app"; compile=$(since "$t")
    # shellcheck disable=SC2086
    rest=$(printf '%.2f' "$(echo "$(m ${stage[$app.$inst]}) - $venv - $installs" | bc)")
    echo "| $app, $inst | $venv s | $installs s | $rest s | $compile s |"
  done
done
