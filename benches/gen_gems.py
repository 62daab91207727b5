#!/usr/bin/env python3
"""Writes N small .gem files into DIR, as `gem build` lays them out.

A .gem is an uncompressed tar of metadata.gz (gzipped YAML specification),
data.tar.gz (one lib/ file) and checksums.yaml.gz (SHA256/SHA512 of the
other two), in RubyGems' Gem::Package format. Names repeat every 500 gems so
most names have several versions; every 50th gem is a prerelease and every
7th depends on the previous name.

    benches/gen_gems.py DIR N [FIRST]
"""
import gzip
import hashlib
import io
import sys
import tarfile

MTIME = 1700000000


def tar_add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = MTIME
    info.mode = 0o444
    tar.addfile(info, io.BytesIO(data))


def gz(data):
    return gzip.compress(data, mtime=MTIME)


def spec_yaml(name, version, dep):
    deps = "[]\n"
    if dep:
        req = """!ruby/object:Gem::Requirement
    requirements:
    - - ">="
      - !ruby/object:Gem::Version
        version: '1.0'"""
        deps = f"""
- !ruby/object:Gem::Dependency
  name: {dep}
  requirement: {req}
  type: :runtime
  prerelease: false
  version_requirements: {req}
"""
    return f"""--- !ruby/object:Gem::Specification
name: {name}
version: !ruby/object:Gem::Version
  version: {version}
platform: ruby
authors:
- Bench
autorequire:
bindir: bin
cert_chain: []
date: 2023-11-14 00:00:00.000000000 Z
dependencies: {deps}description:
email:
executables: []
extensions: []
extra_rdoc_files: []
files:
- lib/{name}.rb
homepage:
licenses:
- MIT
metadata: {{}}
post_install_message:
rdoc_options: []
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
required_rubygems_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
requirements: []
rubygems_version: 3.3.15
signing_key:
specification_version: 4
summary: bench gem {name} {version}
test_files: []
""".encode()


def gem(dir_, i):
    n = i % 500
    name = f"bench-gem-{n:03d}"
    version = f"1.{i // 500}.0" + (".pre1" if i % 50 == 49 else "")
    dep = f"bench-gem-{n - 1:03d}" if n > 0 and i % 7 == 0 else None
    data_buf = io.BytesIO()
    with tarfile.open(fileobj=data_buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        tar_add(t, f"lib/{name}.rb", f"# {name} {version}\nmodule BenchGem; end\n".encode())
    data = gz(data_buf.getvalue())
    meta = gz(spec_yaml(name, version, dep))
    sums = "---\n"
    for algo in ("SHA256", "SHA512"):
        sums += f"{algo}:\n"
        for fname, b in (("metadata.gz", meta), ("data.tar.gz", data)):
            sums += f"  {fname}: {hashlib.new(algo.lower(), b).hexdigest()}\n"
    with tarfile.open(f"{dir_}/{name}-{version}.gem", "w", format=tarfile.USTAR_FORMAT) as t:
        tar_add(t, "metadata.gz", meta)
        tar_add(t, "data.tar.gz", data)
        tar_add(t, "checksums.yaml.gz", gz(sums.encode()))


def main():
    dir_, n = sys.argv[1], int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    for i in range(first, first + n):
        gem(dir_, i)


if __name__ == "__main__":
    main()
