#!/usr/bin/env bash
# Publish benchmark (issue 5): an N-package signed apt repository published
# to s3s-fs on 127.0.0.1 (path-style), three runs:
#   cold       empty bucket
#   unchanged  the same repository again (target: no package PUT, under 2 s)
#   +10        ten packages added and re-indexed
# Objects written (uploads + deletions + manifest writes, from --json; the lock
# adds one PUT and one DELETE when anything is written) and wall time.
#
#   benches/publish.sh [N]     (default 10000)
# PKGS=DIR reuses a directory of .deb files (e.g. benches/work/index-N/deb
# from benches/index.sh); OMNI=PATH uses that omnipack binary.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
export PATH="${OMNIPACK_TOOLS_DIR:-$HOME/.cache/omnipack/tools}/bin:$PATH"
if [ -z "${OMNI:-}" ]; then
  cargo build --release --locked -q
  OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
fi
command -v s3s-fs >/dev/null || { echo "s3s-fs missing: run scripts/test once (it builds it)" >&2; exit 1; }
R=$WORK/publish-$N
rm -rf "$R"; mkdir -p "$R/repo" "$R/s3/bench"

make_pkgs() { # dir first last
  local dir=$1 first=$2 last=$3 stage
  stage=$(mktemp -d)
  for i in $(seq "$first" "$last"); do
    mkdir -p "$stage/opt/p$i"; echo "package $i" > "$stage/opt/p$i/README"
    "$OMNI" package --quiet -n "pkg$i" -v 1.0 --summary "bench package $i" -m "B <b@example.org>" -a all \
      -f deb --from-dir "$stage" --out "$dir" --deb-compression gzip:1 >/dev/null
    rm -rf "$stage/opt/p$i"
  done
  rm -rf "$stage"
}
if [ -n "${PKGS:-}" ]; then
  cp -p "$PKGS"/*.deb "$R/repo/"
else
  echo "making $N .deb in $R/repo" >&2
  make_pkgs "$R/repo" 1 "$N"
fi
"$OMNI" key generate --name "Bench <b@example.org>" --out "$R/keys" >/dev/null 2>&1
index() { OMNIPACK_CACHE_DIR="$R/cache" "$OMNI" repo index --quiet "$R/repo" --sign-key "$R/keys/repo-key.secret.asc" >/dev/null; }
index

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=GKbench0000000000000000000 AWS_SECRET_ACCESS_KEY=benchsecret
s3s-fs --host 127.0.0.1 --port "$PORT" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" "$R/s3" 2>"$R/s3s-fs.log" &
S3PID=$!
trap 'kill $S3PID 2>/dev/null' EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

run() { # label
  local start end
  start=$(date +%s.%N)
  "$OMNI" publish --quiet --json "$R/repo" "s3://bench/repo" --endpoint "http://127.0.0.1:$PORT" --path-style > "$R/report.$1.json"
  end=$(date +%s.%N)
  python3 - "$1" "$start" "$end" "$R/report.$1.json" <<'PY'
import json, sys
label, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = json.load(open(path))
k = r["uploaded_by_kind"]
print(f"| {label} | {r['files']} | {r['uploaded']} ({k['package']} packages, {k['hashed']} hashed, "
      f"{k['secondary'] + k['signature'] + k['top']} other) | {r['writes']} | {r['lock']} | {end - start:.2f} s |")
PY
}
echo "| step ($N .deb, s3s-fs) | files | objects uploaded | writes (uploads + deletions + manifest) | lock | wall |"
echo "|---|---|---|---|---|---|"
run cold
run unchanged
make_pkgs "$R/repo" $((N + 1)) $((N + 10))
index
run "+10 packages"
