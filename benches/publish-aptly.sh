#!/usr/bin/env bash
# Publishing against aptly (issue 20, item 6): the same N small packages
# published as a signed repository to the same S3 server on 127.0.0.1
# (one single-node Garage, one bucket per side, path-style), side by side in
# one run, three steps each:
#   cold       empty bucket, empty state
#   unchanged  the same packages again
#   +10        ten more packages
# .deb:  omnipack `repo index --layout dists --sign-key` + `publish` (timed
#        together; dists/ + pool/ as aptly lays it out: a flat index's
#        `Filename: ./x.deb` is not fetchable from an object store, see
#        docs/repository.md)
#        vs aptly 1.5: cold = `repo create` + `repo add DIR` + `publish repo`,
#        +10 = `repo add` of the 10 files + `publish update`, unchanged =
#        `publish update`. aptly gets -acquire-by-hash (omnipack writes
#        by-hash too) and -skip-contents (omnipack writes no Contents).
# .rpm:  aptly has no RPM; the reference is what a user runs otherwise:
#        `createrepo_c --workers 2 --no-database` (--update after the first)
#        + `gpg --detach-sign --armor repomd.xml` + `rclone sync --checksum`.
# Requests are counted from the server's own log (Garage logs every S3 request
# at INFO: method and path), per bucket and step: PUT (server-side copies
# included), DELETE (a multi-object delete POST counts once), GET, HEAD, LIST.
# After the last step each published repository is read by the real client
# through Garage's website endpoint (anonymous GET): `apt-get update` and
# `apt-cache policy` with a private apt configuration and `signed-by` the
# side's public key; `dnf makecache` + `dnf list` with repo_gpgcheck=1 for rpm.
#
#   benches/publish-aptly.sh [N]        (default 10000)
# PKGS=DIR reuses a directory of .deb files (pkgI_*.deb, e.g. one made by
# benches/gen_debs.py), RPMS=DIR one of .rpm files; KINDS="deb rpm" (default)
# picks the sides; OMNI=PATH uses that omnipack binary; WORK=DIR (benches/work).
# Needs (installed with apt-get when run as root): aptly gnupg createrepo-c
# rclone dnf; garage 2.5 (`cargo install garage@2.5.0 --locked`, or run
# scripts/test once, which puts it in ~/.cache/omnipack/tools/bin).
#
# Why not s3s-fs: s3s-fs 0.14.1 lists objects without ETag and answers
# CopyObject with 500; aptly 1.5 needs both (it panics on a nil ETag when it
# lists a non-empty bucket, and makes its by-hash files with CopyObject), so
# only aptly's cold publish without by-hash runs there.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHES=$PWD/benches
N=${1:-10000}
KINDS=${KINDS:-deb rpm}
WORK=${WORK:-benches/work}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export SOURCE_DATE_EPOCH=1700000000
export PATH="${OMNIPACK_TOOLS_DIR:-$HOME/.cache/omnipack/tools}/bin:$PATH"

# Tools.
need=()
command -v aptly >/dev/null || need+=(aptly)
command -v gpg >/dev/null || need+=(gnupg)
command -v createrepo_c >/dev/null || need+=(createrepo-c)
command -v rclone >/dev/null || need+=(rclone)
command -v dnf >/dev/null || need+=(dnf)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends "${need[@]}" >&2
  else
    echo "missing: run (as root) apt-get install -y --no-install-recommends ${need[*]}" >&2; exit 1
  fi
fi
command -v garage >/dev/null || { echo "garage missing: cargo install garage@2.5.0 --locked, or run scripts/test once" >&2; exit 1; }
if [ -z "${OMNI:-}" ]; then
  cargo build --release --locked -q
  OMNI=${CARGO_TARGET_DIR:-$PWD/target}/release/omnipack
fi

R=$WORK/publish-aptly-$N
rm -rf "$R"; mkdir -p "$R"
ROWS=$R/rows.md; : > "$ROWS"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 not open" >&2; exit 1; }

# Packages: N to publish, 10 more for the +10 step.
make_rpms() { # dir first last
  local dir=$1 first=$2 last=$3 stage
  stage=$(mktemp -d)
  for i in $(seq "$first" "$last"); do
    mkdir -p "$stage/opt/p$i"; echo "package $i" > "$stage/opt/p$i/README"
    "$OMNI" package --quiet -n "pkg$i" -v 1.0 --summary "bench package $i" -m "B <b@example.org>" -a all \
      -f rpm --from-dir "$stage" --out "$dir" --rpm-compression gzip:1 >/dev/null
    rm -rf "$stage/opt/p$i"
  done
  rm -rf "$stage"
}
for kind in $KINDS; do
  mkdir -p "$R/pkgs/$kind" "$R/pkgs/$kind-extra"
  src=$( [ "$kind" = deb ] && echo "${PKGS:-}" || echo "${RPMS:-}" )
  if [ -n "$src" ]; then
    find "$src" -maxdepth 1 -name "*.$kind" -exec cp -p -t "$R/pkgs/$kind" {} +
    have=$(find "$R/pkgs/$kind" -name "*.$kind" | wc -l)
    [ "$have" -ge "$N" ] || { echo "$src has $have .$kind, fewer than $N" >&2; exit 1; }
    if compgen -G "$R/pkgs/$kind/pkg$((N + 1))[-_]*.$kind" >/dev/null; then
      echo "$src already holds pkg$((N + 1)) (the +10 step adds pkg$((N + 1))..pkg$((N + 10)))" >&2; exit 1
    fi
  elif [ "$kind" = deb ]; then
    echo "making $N .deb" >&2
    "$BENCHES/gen_debs.py" "$R/pkgs/deb" 1 "$N"
  else
    echo "making $N .rpm (omnipack package, two at a time)" >&2
    half=$((N / 2))
    make_rpms "$R/pkgs/rpm" 1 "$half" & make_rpms "$R/pkgs/rpm" $((half + 1)) "$N" & wait
  fi
  if [ "$kind" = deb ]; then
    "$BENCHES/gen_debs.py" "$R/pkgs/deb-extra" $((N + 1)) $((N + 10))
  else
    make_rpms "$R/pkgs/rpm-extra" $((N + 1)) $((N + 10))
  fi
done

# Keys: omnipack's for its side, a gpg key (same kind: RSA-3072, no
# passphrase) in a keyring under the work dir for aptly and the rpm reference.
"$OMNI" key generate --name "Bench <b@example.org>" --out "$R/keys" >/dev/null 2>&1
gpg --dearmor < "$R/keys/repo-key.public.asc" > "$R/keys/omni.gpg"
export GNUPGHOME=$R/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key "Reference Bench <r@example.org>" rsa3072 sign never 2>/dev/null
GPGKEY=$(gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }')
gpg --export "$GPGKEY" > "$R/keys/ref.gpg"
gpg --export --armor "$GPGKEY" > "$R/keys/ref.asc"

# One single-node Garage on 127.0.0.1: S3 API, website endpoint (anonymous
# GET; the bucket is picked from the Host header, so clients use it as an
# HTTP proxy for http://BUCKET.web.garage.localhost/).
G=$R/garage; mkdir -p "$G"
S3PORT=$(free_port); WEBPORT=$(free_port); RPCPORT=$(free_port); ADMINPORT=$(free_port)
cat > "$G/garage.toml" <<EOF
metadata_dir = "$G/meta"
data_dir = "$G/data"
db_engine = "lmdb"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$RPCPORT"
rpc_public_addr = "127.0.0.1:$RPCPORT"
rpc_secret = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$S3PORT"
root_domain = ".s3.garage.localhost"
[s3_web]
bind_addr = "127.0.0.1:$WEBPORT"
root_domain = ".web.garage.localhost"
index = "index.html"
[admin]
api_bind_addr = "127.0.0.1:$ADMINPORT"
EOF
RUST_LOG=garage=info NO_COLOR=1 garage -c "$G/garage.toml" server > "$G/garage.log" 2>&1 &
GPID=$!
trap 'kill $GPID 2>/dev/null' EXIT
wait_port "$RPCPORT"
gcli() { garage -c "$G/garage.toml" "$@" >/dev/null; }
for _ in $(seq 100); do garage -c "$G/garage.toml" status >/dev/null 2>&1 && break; sleep 0.1; done
gcli layout assign -z dc1 -c 10GB "$(garage -c "$G/garage.toml" node id -q | cut -c1-16)"
gcli layout apply --version 1
export AWS_ACCESS_KEY_ID=GK0123456789abcdef01234567
export AWS_SECRET_ACCESS_KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION
for _ in $(seq 100); do garage -c "$G/garage.toml" key import --yes -n bench "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null 2>&1 && break; sleep 0.2; done
for b in omni-deb aptly-deb omni-rpm ref-rpm; do
  gcli bucket create "$b"
  gcli bucket allow --read --write --owner "$b" --key bench
  gcli bucket website --allow "$b"
done
wait_port "$S3PORT"; wait_port "$WEBPORT"
ENDPOINT=http://127.0.0.1:$S3PORT

# Requests a bucket got since log line $1: "PUT DELETE GET HEAD LIST other".
requests() { # from-line bucket
  sleep 0.3 # let the server's log catch up
  tail -n +"$(($1 + 1))" "$G/garage.log" | sed 's/\x1b\[[0-9;]*m//g' | python3 -c '
import re, sys
bucket = sys.argv[1]
c = dict.fromkeys(["PUT", "DELETE", "GET", "HEAD", "LIST", "other"], 0)
for line in sys.stdin:
    m = re.search(r"generic_server: \S+ \(key \S+\) (\S+) /([^/?\s]+)(/[^?\s]*)?(\?\S*)?$", line.rstrip())
    if not m or m.group(2) != bucket:
        continue
    method, key, query = m.group(1), (m.group(3) or "/").lstrip("/"), m.group(4) or ""
    if method == "GET" and not key:
        c["LIST" if "location" not in query else "other"] += 1
    elif method == "POST" and "delete" in query:
        c["DELETE"] += 1
    elif method in c:
        c[method] += 1
    else:
        c["other"] += 1
print(*c.values())
' "$2"
}
loglines() { wc -l < "$G/garage.log"; }

# step LABEL TOOL BUCKET FUNCTION: times FUNCTION (wall; CPU of it and its
# children; the server's CPU from /proc), counts the bucket's requests, adds a row.
# The functions chain their commands with && (errexit does not reach into them).
server_cpu() { awk '{ print $14 + $15 }' "/proc/$GPID/stat"; } # clock ticks
step() {
  local label=$1 tool=$2 bucket=$3 fn=$4 log l0 s0 s1 t0 t1 rc cpu put del get head list other
  log=$R/log.$bucket.${label//[^a-z0-9]/}${tool//[^a-z]/}
  l0=$(loglines); s0=$(server_cpu)
  t0=$EPOCHREALTIME
  set +e
  { TIMEFORMAT='%U %S'; time "$fn" > "$log" 2>&1; } 2> "$R/cpu.tmp"
  rc=$?
  set -e
  t1=$EPOCHREALTIME
  s1=$(server_cpu)
  [ "$rc" = 0 ] || { cat "$log" >&2; echo "$label $tool failed" >&2; exit 1; }
  cpu=$(awk '{ print $1 + $2 }' "$R/cpu.tmp")
  read -r put del get head list other < <(requests "$l0" "$bucket")
  echo "$label|$tool|$t0|$t1|$cpu|$(( s1 - s0 ))|$put|$del|$get|$head|$list|$other" >> "$ROWS"
  awk -v l="$label" -v t="$tool" -v a="$t0" -v b="$t1" -v c="$cpu" -v s="$(( s1 - s0 ))" \
    -v p="$put" -v d="$del" -v g="$get" -v h="$head" -v li="$list" -v o="$other" \
    'BEGIN { printf "  %-15s %-22s %7.2f s (CPU %.2f s, server %.2f s)  PUT %d DELETE %d GET %d HEAD %d LIST %d other %d\n", l, t, b - a, c, s / 100, p, d, g, h, li, o }' >&2
}

# --- .deb -------------------------------------------------------------------
om_deb() {
  OMNIPACK_CACHE_DIR="$R/omni/cache-deb" "$OMNI" repo index --quiet "$R/omni/deb" --layout dists --suite bench \
    --component main --architectures amd64 --sign-key "$R/keys/repo-key.secret.asc" &&
    om_deb_publish
}
om_deb_publish() {
  "$OMNI" publish --quiet --json "$R/omni/deb" s3://omni-deb/repo --endpoint "$ENDPOINT" --region garage --path-style
}
APTLY="aptly -config=$R/aptly.conf"
PUBFLAGS=(-batch -gpg-key="$GPGKEY" -skip-contents)
aptly_cold() {
  $APTLY repo create -distribution=bench -component=main bench &&
    $APTLY repo add bench "$R/pkgs/deb" &&
    $APTLY publish repo "${PUBFLAGS[@]}" -architectures=amd64 -acquire-by-hash bench s3:bench:
}
aptly_update() { $APTLY publish update "${PUBFLAGS[@]}" bench s3:bench:; }
aptly_add10() { $APTLY repo add bench "$R/pkgs/deb-extra/"*.deb && aptly_update; }

if [[ " $KINDS " == *" deb "* ]]; then
  mkdir -p "$R/omni/deb/pool/main"
  cp -al "$R/pkgs/deb/"*.deb "$R/omni/deb/pool/main/"
  cat > "$R/aptly.conf" <<EOF
{
  "rootDir": "$R/aptly",
  "gpgProvider": "gpg",
  "S3PublishEndpoints": {
    "bench": {"region": "garage", "bucket": "aptly-deb", "endpoint": "$ENDPOINT", "acl": "none"}
  }
}
EOF
  echo "deb: $N packages" >&2
  step ".deb cold" omnipack omni-deb om_deb
  step ".deb cold" "aptly 1.5" aptly-deb aptly_cold
  step ".deb unchanged" omnipack omni-deb om_deb
  step ".deb unchanged" "aptly 1.5" aptly-deb aptly_update
  step ".deb unchanged" "omnipack publish only" omni-deb om_deb_publish
  cp -al "$R/pkgs/deb-extra/"*.deb "$R/omni/deb/pool/main/"
  step ".deb +10" omnipack omni-deb om_deb
  step ".deb +10" "aptly 1.5" aptly-deb aptly_add10
fi

# --- .rpm -------------------------------------------------------------------
om_rpm() {
  OMNIPACK_CACHE_DIR="$R/omni/cache-rpm" "$OMNI" repo index --quiet "$R/omni/rpm" --sign-key "$R/keys/repo-key.secret.asc" &&
    om_rpm_publish
}
om_rpm_publish() {
  "$OMNI" publish --quiet --json "$R/omni/rpm" s3://omni-rpm/repo --endpoint "$ENDPOINT" --region garage --path-style
}
export RCLONE_CONFIG=$R/rclone.conf
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT \
  RCLONE_CONFIG_BENCH_REGION=garage RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
ref_rpm() { # createrepo_c ARGS...
  createrepo_c --workers 2 --no-database -q "$@" "$R/ref/rpm" &&
    gpg --batch --yes -u "$GPGKEY" --detach-sign --armor "$R/ref/rpm/repodata/repomd.xml" &&
    env -u AWS_CA_BUNDLE rclone sync --checksum --fast-list --transfers 8 "$R/ref/rpm" bench:ref-rpm/repo
}
ref_cold() { ref_rpm; }
ref_update() { ref_rpm --update; }

if [[ " $KINDS " == *" rpm "* ]]; then
  : > "$R/rclone.conf"
  mkdir -p "$R/omni/rpm" "$R/ref/rpm"
  cp -al "$R/pkgs/rpm/"*.rpm "$R/omni/rpm/"
  cp -al "$R/pkgs/rpm/"*.rpm "$R/ref/rpm/"
  echo "rpm: $N packages" >&2
  step ".rpm cold" omnipack omni-rpm om_rpm
  step ".rpm cold" "createrepo_c + rclone" ref-rpm ref_cold
  step ".rpm unchanged" omnipack omni-rpm om_rpm
  step ".rpm unchanged" "createrepo_c + rclone" ref-rpm ref_update
  step ".rpm unchanged" "omnipack publish only" omni-rpm om_rpm_publish
  cp -al "$R/pkgs/rpm-extra/"*.rpm "$R/omni/rpm/"
  cp -al "$R/pkgs/rpm-extra/"*.rpm "$R/ref/rpm/"
  step ".rpm +10" omnipack omni-rpm om_rpm
  step ".rpm +10" "createrepo_c + rclone" ref-rpm ref_update
fi

# --- the real clients, through Garage's website endpoint ----------------------
PROXY=http://127.0.0.1:$WEBPORT
CHECKS=$R/checks.md; : > "$CHECKS"
apt_check() { # name key.gpg "deb line tail" ; pkg1 and pkg(N+10) must be candidates
  local S=$R/apt-$1 out rc
  mkdir -p "$S/lists/partial" "$S/cache/archives/partial" "$S/dl"; touch "$S/status"
  echo "deb [signed-by=$2] $3" > "$S/sources.list"
  local o=(-o "Dir::Etc::sourcelist=$S/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$S/lists"
    -o "Dir::Cache=$S/cache" -o "Dir::State::status=$S/status" -o "Acquire::http::Proxy=$PROXY")
  rc=0; out=$(apt-get "${o[@]}" update 2>&1) || rc=$?
  echo "$out" > "$S/update.log"
  local warn; warn=$(grep -cE '^(W|E):' "$S/update.log" || true)
  local c1 c2
  c1=$(apt-cache "${o[@]}" policy pkg1 | awk '/Candidate:/ { print $2 }')
  c2=$(apt-cache "${o[@]}" policy "pkg$((N + 10))" | awk '/Candidate:/ { print $2 }')
  (cd "$S/dl" && apt-get "${o[@]}" download "pkg$((N + 10))" >/dev/null 2>&1) || true
  local dl; dl=$(find "$S/dl" -name "pkg$((N + 10))_*.deb" | head -1)
  local dlok=no; [ -n "$dl" ] && dpkg-deb -f "$dl" Package >/dev/null 2>&1 && dlok=yes
  echo "| $1 (.deb) | \`apt-get update\` exit $rc, $warn W:/E: lines | pkg1 ${c1:-none}, pkg$((N + 10)) ${c2:-none} | $dlok |" >> "$CHECKS"
  echo "  apt $1: update exit $rc ($warn W/E), candidates pkg1=${c1:-none} pkg$((N + 10))=${c2:-none}, download $dlok" >&2
}
dnf_check() { # name url key.asc
  local S=$R/dnf-$1 rc out
  mkdir -p "$S/root"
  printf '[main]\ngpgcheck=True\nskip_if_unavailable=False\n' > "$S/dnf.conf"
  local o=(-c "$S/dnf.conf" -y -q --installroot="$S/root" --releasever=9 --setopt=reposdir=/dev/null
    --repofrompath="b$1,$2" --repo="b$1" --setopt="b$1.gpgcheck=0" --setopt="b$1.repo_gpgcheck=1"
    --setopt="b$1.gpgkey=file://$3" --setopt="b$1.proxy=$PROXY")
  rc=0; out=$(dnf "${o[@]}" makecache 2>&1) || rc=$?
  echo "$out" > "$S/makecache.log"
  local seen; seen=$(dnf "${o[@]}" list --available pkg1 "pkg$((N + 10))" 2>/dev/null | grep -cE '^pkg(1|'$((N + 10))')\.' || true)
  local dlok=no
  dnf "${o[@]}" download --destdir="$S/dl" "pkg$((N + 10))" >/dev/null 2>&1 &&
    rpm -qp --qf '%{NAME}' "$S/dl/pkg$((N + 10))-"*.rpm 2>/dev/null | grep -qx "pkg$((N + 10))" && dlok=yes
  echo "| $1 (.rpm) | \`dnf makecache\` (repo_gpgcheck=1) exit $rc | $seen of pkg1, pkg$((N + 10)) listed | $dlok |" >> "$CHECKS"
  echo "  dnf $1: makecache exit $rc, $seen of 2 packages listed, download $dlok" >&2
}
echo "clients:" >&2
if [[ " $KINDS " == *" deb "* ]]; then
  apt_check omnipack "$R/keys/omni.gpg" "http://omni-deb.web.garage.localhost/repo/ bench main"
  apt_check aptly "$R/keys/ref.gpg" "http://aptly-deb.web.garage.localhost/ bench main"
fi
if [[ " $KINDS " == *" rpm "* ]]; then
  dnf_check omnipack http://omni-rpm.web.garage.localhost/repo/ "$R/keys/repo-key.public.asc"
  dnf_check reference http://ref-rpm.web.garage.localhost/repo/ "$R/keys/ref.asc"
fi

# --- tables -------------------------------------------------------------------
echo
echo "$N packages per kind, Garage 2.5 (one node, lmdb) on 127.0.0.1; $(uptime | sed 's/.*load/load/')"
echo
echo "| step | tool | wall | CPU (client) | CPU (server) | PUT | DELETE | GET | HEAD | LIST | other | wall: reference / omnipack |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'|' '{
  w = $4 - $3
  if ($2 == "omnipack") om = w
  r = ($2 ~ /^omnipack/) ? "" : sprintf("%.1fx", w / om)
  printf "| %s | %s | %.2f s | %.2f s | %.2f s | %d | %d | %d | %d | %d | %d | %s |\n", $1, $2, w, $5, $6 / 100, $7, $8, $9, $10, $11, $12, r
}' "$ROWS"
echo
echo "| repository | client | sees | downloads |"
echo "|---|---|---|---|"
cat "$CHECKS"
