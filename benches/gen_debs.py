#!/usr/bin/env python3
"""Writes N small .deb files fast (about 0.3 ms each, where one `omnipack
package` run per package takes 10-20 ms): the same layout as the .debs that
benches/index.sh makes with omnipack's writer (debian-binary, control.tar.gz
with control and md5sums, data.tar.gz with a README, copyright and
changelog.Debian.gz; owner root, mtime SOURCE_DATE_EPOCH), so that 100 000
packages for benches/index-growth.sh take a minute or two, not an hour.

    benches/gen_debs.py DIR FIRST LAST
"""
import gzip
import hashlib
import io
import os
import sys
import tarfile

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))


def tar_gz(entries):
    """entries: (name, bytes or None for a directory); gzip level 1, no name, mtime 0."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = EPOCH
            info.uname = info.gname = "root"
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.mode = 0o644
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)


def ar_member(name, data):
    head = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
    return head + data + (b"\n" if len(data) % 2 else b"")


def deb(i):
    name = f"pkg{i}"
    readme = f"package {i}\n".encode()
    copyright_ = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {name}\n\nFiles: *\nCopyright: Copyright 2023 B <b@example.org>\n"
        "License: unknown\n"
    ).encode()
    changelog = gzip.compress(
        f"{name} (1.0-1) unstable; urgency=medium\n\n  * Packaged by omnipack.\n\n"
        f" -- B <b@example.org>  Tue, 14 Nov 2023 22:13:20 +0000\n".encode(),
        compresslevel=9,
        mtime=0,
    )
    doc = f"./usr/share/doc/{name}/"
    files = [
        (f"./opt/p{i}/README", readme),
        (doc + "changelog.Debian.gz", changelog),
        (doc + "copyright", copyright_),
    ]
    dirs = ["./", "./opt/", f"./opt/p{i}/", "./usr/", "./usr/share/", "./usr/share/doc/", doc]
    data = tar_gz([(d, None) for d in dirs] + files)
    control = (
        f"Package: {name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: B <b@example.org>\n"
        f"Installed-Size: 12\nDepends: libc6 (>= 2.17)\nSection: misc\nPriority: optional\n"
        f"Description: bench package {i}\n"
    ).encode()
    md5sums = "".join(
        f"{hashlib.md5(d).hexdigest()}  {n[2:]}\n" for n, d in files
    ).encode()
    ctl = tar_gz([("./", None), ("./control", control), ("./md5sums", md5sums)])
    return (
        b"!<arch>\n"
        + ar_member("debian-binary", b"2.0\n")
        + ar_member("control.tar.gz", ctl)
        + ar_member("data.tar.gz", data)
    )


def main():
    out, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for i in range(first, last + 1):
        path = os.path.join(out, f"pkg{i}_1.0-1_all.deb")
        with open(path, "wb") as f:
            f.write(deb(i))
        os.utime(path, (EPOCH, EPOCH))


if __name__ == "__main__":
    main()
