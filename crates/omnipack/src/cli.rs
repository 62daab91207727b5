//! Command-line definitions (clap derive).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// omnipack: from a source checkout to OS packages that real machines install
/// from a real repository.
#[derive(Debug, Parser)]
#[command(name = "omnipack", version, about)]
pub struct Cli {
    /// No progress bars or status lines on stderr (errors still print).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail on stderr; repeatable (`-vv`). `package` takes only the
    /// long form, its `-v` being the version, as in fpm.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count, id = "verbosity")]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented omnipack.toml for the project in the current
    /// directory (or --dir), from what the project says about itself.
    ///
    /// A Python project (pyproject.toml's [project], setup.cfg or setup.py)
    /// gets the python recipe, its name, version, summary and license, and
    /// its console scripts as /usr/bin links in a NAME-cli meta package; a
    /// Rust one (Cargo.toml) the cargo recipe and its binaries; anything
    /// else the dir recipe. The maintainer comes from DEBFULLNAME/DEBEMAIL
    /// (or NAME/EMAIL), else git config. An existing omnipack.toml is never
    /// overwritten. The path written goes to stdout.
    #[command(after_help = "Examples:
  omnipack init                      # in the project's directory
  omnipack init --dir ~/src/myapp && omnipack build ~/src/myapp")]
    Init(InitArgs),
    /// Package a staged directory as .deb and/or .rpm (fpm -s dir style).
    ///
    /// The paths written go to stdout, one per line. Every timestamp in the
    /// packages is SOURCE_DATE_EPOCH (else the git commit time, else now), so
    /// the same input gives byte-identical packages.
    Package(Box<PackageArgs>),
    /// Show the metadata and file list of a .deb or .rpm.
    #[command(after_help = "Examples:
  omnipack inspect dist/debian-12/greet-cli_1.0.0-1_all.deb
  omnipack inspect --json greet-python-1.0.0-1.x86_64.rpm | jq .files
  omnipack inspect --verify downloaded.rpm     # exit 1 if it is damaged")]
    Inspect(InspectArgs),
    /// Omnibus build: stage the project from its omnipack.toml, then write the
    /// main package and every meta package for each distribution.
    ///
    /// Packages go to OUT/<distribution>/ and their paths to stdout. Nothing is
    /// moved into OUT unless every package of every distribution was written
    /// (and, with --lint, passed lintian/rpmlint).
    Build(BuildArgs),
    /// Build roots: root filesystems of target distributions that `build`
    /// stages in (cached under ~/.cache/omnipack/roots).
    ///
    /// A deb root is made with mmdebstrap (or debootstrap) from --mirror,
    /// the manifest's `mirror`, or this machine's configured mirror when it
    /// serves the release; an RPM root with `dnf --installroot` from
    /// --mirror or the manifest's `repositories`.
    #[command(subcommand)]
    Builder(BuilderCommand),
    /// The built-in distribution table (format, compression, dist tag, python).
    #[command(after_help = "Examples:
  omnipack distributions
  omnipack distributions --project examples/greet --json")]
    Distributions(DistributionsArgs),
    /// The project's version from git (or omnipack.toml) in upstream, rpm and deb forms.
    #[command(after_help = "Examples:
  omnipack version                 # the project in the current directory
  omnipack version examples/greet --json")]
    Version(VersionArgs),
    /// For distribution maintainers: the project's sdist (NAME-VERSION.tar.gz
    /// of the git tree at HEAD) and an RPM spec file (NAME.spec) that builds
    /// it the distribution's way, into /usr.
    ///
    /// Name, Version and Release come from the project's version (as
    /// `omnipack version` gives it), License, URL, the description and the
    /// dependencies (renamed for --distribution) from omnipack.toml. A Python
    /// project gets a spec that needs only rpmbuild and pip (--style pip),
    /// or one following the Fedora Python packaging guidelines (--style
    /// fedora: %pyproject_wheel, %pyproject_install, %pyproject_save_files).
    /// Both files are the same bytes on every run (SOURCE_DATE_EPOCH, else
    /// the commit time); their paths go to stdout.
    #[command(after_help = "Examples:
  omnipack spec examples/greet --out rpmbuild/SOURCES
  rpmbuild -ba --define \"_sourcedir $PWD/rpmbuild/SOURCES\" rpmbuild/SOURCES/greet.spec
  omnipack spec . --style fedora -d fedora-42 --json")]
    Spec(SpecArgs),
    /// For distribution maintainers: the project's upstream tarball
    /// (NAME_VERSION.orig.tar.gz, the sdist of the git tree at HEAD) and a
    /// debian/ directory that builds it with debhelper.
    ///
    /// Source format 3.0 (quilt); control with Build-Depends and Depends
    /// from omnipack.toml (renamed for --distribution); rules with `dh`
    /// (and dh-python/pybuild for Python projects); changelog from the
    /// project's version; a machine-readable copyright; watch when the
    /// project has a URL. An existing OUT/debian is replaced. Both are the
    /// same bytes on every run; the paths go to stdout.
    #[command(after_help = "Examples:
  omnipack debian examples/greet --out build
  cd build && tar xzf greet_1.0.0.orig.tar.gz && cp -r debian greet-1.0.0/ && dpkg-source -b greet-1.0.0
  (cd build/greet-1.0.0 && dpkg-buildpackage -us -uc)")]
    Debian(DebianArgs),
    /// Manage a repository tree.
    #[command(subcommand)]
    Repo(RepoCommand),
    /// OpenPGP keys for signing repositories and packages.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Build `<vendor>-release`: the package that points client machines at
    /// the repository (a yum .repo file, or an apt source) and installs its
    /// signing key.
    ///
    /// The repository tree is the channel layout of `omnipack repo add`
    /// (`<os>[-testing]/<version>/<arch>/`) served at --base-url; the stable
    /// channel is enabled and testing present but disabled.
    #[command(after_help = "Examples:
  omnipack release-package -d debian-12 --base-url https://repo.example.org/ --key repo-key.public.asc
  omnipack release-package -d rocky-9 --repo repo/ --vendor acme")]
    ReleasePackage(ReleasePackageArgs),
    /// Publish an indexed repository to a directory or S3-compatible storage,
    /// incrementally and in a client-safe order.
    ///
    /// Only objects whose SHA-256 changed are uploaded: packages first, then
    /// hashed metadata (by-hash/, repodata/<digest>-*), other metadata, and per
    /// directory each signature right before its top index (InRelease,
    /// Release, repomd.xml) last. Superseded objects stay for --keep-publishes
    /// publishes. A lock object (.omnipack/lock, taken with a create-only put)
    /// keeps two publishers apart. S3 credentials come from AWS_ACCESS_KEY_ID /
    /// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE and the
    /// ~/.aws/credentials and ~/.aws/config files.
    #[command(after_help = "Examples:
  omnipack publish repo/ /srv/www/repo
  omnipack publish repo/ s3://my-bucket/packages --region eu-west-1 --acl public-read
  omnipack publish repo/ s3://repo/apt --endpoint http://127.0.0.1:3900 --region garage --path-style
  omnipack publish --print-policy repo/ s3://my-bucket/packages")]
    Publish(Box<PublishArgs>),
    /// Sign .rpm packages in place (a header signature, as `rpmsign --addsign`);
    /// check with `rpm -K` after `rpmkeys --import KEY.public.asc`.
    #[command(after_help = "Examples:
  omnipack sign --key repo-key.secret.asc dist/rocky-9/*.rpm
  OMNIPACK_SIGN_PASSPHRASE=... omnipack sign --key protected.asc app.rpm")]
    Sign(SignArgs),
    /// Serve a repository tree (or any directory) over HTTP to apt-get, dnf,
    /// gem and curl.
    ///
    /// The base URL goes to stdout as the first line (`http://ADDR/`), so
    /// `--listen 127.0.0.1:0` picks a free port for scripts and tests; one
    /// access-log line per request goes to stderr (none with --quiet).
    /// GET and HEAD, byte ranges, ETag / Last-Modified revalidation. Nothing
    /// outside ROOT is served (`..`, encoded separators and symlinks leading
    /// out are refused), nor hidden files (names starting with `.`, such as
    /// the indexer's partial writes). Ctrl-C or SIGTERM stops it after the
    /// requests in flight have finished.
    ///
    /// No client can tie it up: a request head must arrive within
    /// --header-timeout (slowloris clients are closed), an idle keep-alive
    /// connection is closed after --idle-timeout (as is one whose client
    /// takes no byte of a response for that long), at most
    /// --max-connections are open (more wait in the listen queue, and a
    /// `notice:` line says so), and the threads are a fixed number
    /// (--threads, --blocking-threads).
    Serve(ServeArgs),
    /// Crowbar-style bundles: pack, verify, install on an admin root, list.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// OCI images of the project's packages, without a container daemon.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:
  omnipack completions bash > ~/.local/share/bash-completion/completions/omnipack
  omnipack completions zsh > ~/.zfunc/_omnipack      # with fpath+=~/.zfunc before compinit
  omnipack completions fish > ~/.config/fish/completions/omnipack.fish")]
    Completions(CompletionsArgs),
    /// Write man pages: omnipack.1 and one page per command and
    /// subcommand (omnipack-repo-add.1, ...). Their paths go to stdout.
    #[command(after_help = "Examples:
  omnipack man --out man/ && man -l man/omnipack-build.1
  omnipack man --out /usr/local/share/man/man1")]
    Man(ManArgs),
}

/// `omnipack init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// `omnipack completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `omnipack man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory the pages go to (created if missing).
    #[arg(long, short, value_name = "DIR", default_value = "man")]
    pub out: PathBuf,
}

/// `omnipack image ...`.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build the `[[image]]`s of omnipack.toml: the distribution's build
    /// root as the base layer, the packages installed on it with apt inside
    /// the sandbox as a second layer, an SPDX SBOM; written as an OCI image
    /// layout OUT/<image>/ and pushed with --push.
    ///
    /// The same packages, root and SOURCE_DATE_EPOCH give the same digests.
    /// The layout paths go to stdout (with --json, the report).
    #[command(after_help = "Examples:
  omnipack image build examples/greet
  omnipack image build examples/greet --image greet-agent --push 127.0.0.1:5000/acme")]
    Build(ImageBuildArgs),
}

/// `omnipack image build`.
#[derive(Debug, Args)]
pub struct ImageBuildArgs {
    /// The project directory (holding omnipack.toml) or the manifest file.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Build only this image (default: all of them).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// The version (default: the project's, as `omnipack build` computes it).
    #[arg(long = "version", value_name = "V")]
    pub image_version: Option<String>,
    /// Where the project's packages are: DIR/<distribution>/ (`omnipack build --out DIR`).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub packages: PathBuf,
    /// Install from this repository tree instead (published or served:
    /// URL/<os>/<version>/<arch>/), through its `<vendor>-release` package.
    #[arg(long, value_name = "URL", conflicts_with = "packages")]
    pub repository: Option<String>,
    /// Layouts go to OUT/<image>/.
    #[arg(long, short, value_name = "DIR", default_value = "images")]
    pub out: PathBuf,
    /// `oci`: the OCI image layout `OUT/<image>/` only; `docker-archive`:
    /// also `OUT/<image>.docker.tar`, the `docker save` format that
    /// `docker load` and `skopeo copy docker-archive:…` read.
    #[arg(long, value_name = "FORMAT", default_value = "oci", value_parser = ["oci", "docker-archive"])]
    pub format: String,
    /// Push each image to PUSH/<image> (HOST[:PORT][/NAMESPACE]; plain http on loopback).
    #[arg(long, value_name = "REGISTRY")]
    pub push: Option<String>,
    /// Tags, repeatable (default: the version and the short git revision).
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    pub tags: Vec<String>,
    /// Install the packages again even when the layer of the same packages,
    /// root and epoch is cached (to take the distribution mirror's updates).
    #[arg(long)]
    pub refresh: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  omnipack serve repo/                                 # http://127.0.0.1:8080/
  omnipack serve repo/ --listen 0.0.0.0:8080 --list    # on every interface, with listings
  omnipack serve repo/ --listen 127.0.0.1:0 >url.txt &   # a free port; the URL is url.txt's first line
  omnipack serve repo/ --header-timeout 5 --idle-timeout 15 --max-connections 10000")]
pub struct ServeArgs {
    /// The directory to serve.
    pub root: PathBuf,
    /// Where to listen: `PORT` (on 127.0.0.1), `HOST:PORT` (a name is
    /// resolved, its first IPv4 address preferred) or `[IPV6]:PORT`; port 0
    /// picks a free one.
    #[arg(long, value_name = "[HOST:]PORT", default_value = "127.0.0.1:8080", value_parser = listen_addr)]
    pub listen: SocketAddr,
    /// HTML listings for directories without index.html (otherwise they are 404).
    #[arg(long)]
    pub list: bool,
    /// A directory outside ROOT that symbolic links under ROOT may lead
    /// into (repeatable). Crowbar's admin node: `omnipack serve /tftpboot
    /// --follow-links-into /opt/dell/barclamps`, whose package links point
    /// into the installed barclamps.
    #[arg(long, value_name = "DIR")]
    pub follow_links_into: Vec<PathBuf>,
    /// Seconds a request head may take to arrive in full, from its first
    /// byte (from the connection's start for its first request); then the
    /// connection is closed. Like nginx's client_header_timeout (60 s
    /// there). [default: 10]
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub header_timeout: Option<Duration>,
    /// Seconds a keep-alive connection may wait for its next request before
    /// it is closed; also how long a response may wait for the client to
    /// take a byte. Like nginx's keepalive_timeout (75 s there). [default: 60]
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub idle_timeout: Option<Duration>,
    /// Connections open at once; more wait in the listen queue until one
    /// closes. [default: 4096, or half the open-file limit if that is lower;
    /// the soft limit is raised to the hard one first]
    #[arg(long, value_name = "N", value_parser = count)]
    pub max_connections: Option<usize>,
    /// Threads serving connections. [default: one per CPU]
    #[arg(long, value_name = "N", value_parser = count)]
    pub threads: Option<usize>,
    /// Threads for file-system calls (stat, open, reads), a fixed pool so the
    /// thread count stays bounded under any load. [default: 16]
    #[arg(long, value_name = "N", value_parser = count)]
    pub blocking_threads: Option<usize>,
}

/// `s`, kept as written, if it parses as a `T`; otherwise clap refuses it
/// as an invalid value (exit 2, like every other bad flag value), with the
/// model's reason and hint.
fn checked<T>(s: &str) -> Result<String, String>
where
    T: std::str::FromStr<Err = omnipack_spec::SpecError>,
{
    match s.parse::<T>() {
        Ok(_) => Ok(s.to_owned()),
        Err(e) => Err(match e.hint() {
            Some(h) => format!("{e}\n\nhint: {h}"),
            None => e.to_string(),
        }),
    }
}

/// `--listen`: `8080` (127.0.0.1:8080), `0.0.0.0:8080`, `[::1]:8080` or
/// `localhost:8080` (resolved; an IPv4 address first, as most clients try).
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    use std::net::{Ipv4Addr, ToSocketAddrs};
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let Some((host, port)) = s.rsplit_once(':') else {
        return Err(
            "expected PORT, HOST:PORT or [IPV6]:PORT (e.g. `8080`, `0.0.0.0:8080`)".to_owned(),
        );
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port number (0 to 65535)"))?;
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{host}`: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| format!("`{host}` has no address"))
}

/// A whole number from 1 to 2^20.
fn count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1 << 20).contains(&n) => Ok(n),
        _ => Err("expected a whole number from 1 to 1048576".to_owned()),
    }
}

/// A positive number of seconds, fractions allowed (`10`, `0.5`).
fn seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| "expected a number of seconds".to_owned())?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be more than 0 seconds".to_owned());
    }
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

/// `omnipack release-package`.
#[derive(Debug, Args)]
pub struct ReleasePackageArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// The distribution the package is for (see `omnipack distributions`).
    #[arg(long, short, value_name = "NAME")]
    pub distribution: String,
    /// Where the repository tree is served (http://, https:// or file://);
    /// default: --repo's `[release] base-url`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The repository's signing key (public or secret, armored or binary);
    /// default: --repo's `sign-key`. Without one, clients are told to trust
    /// the repository unsigned.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The repository (`repo init`) the package is for: its repo.toml gives
    /// the key, vendor and base URL, and its RPMs decide whether the .repo
    /// file checks each package's signature (gpgcheck=1: only when every
    /// RPM of the distribution is signed by the key).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<PathBuf>,
    /// The vendor (default: the project name in PROJECT/omnipack.toml).
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,
    /// The project whose name is the default vendor.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// The package version.
    #[arg(long = "pkg-version", value_name = "VERSION", default_value = "1.0")]
    pub pkg_version: String,
    /// The package maintainer (default: the one in PROJECT/omnipack.toml,
    /// else DEBFULLNAME/DEBEMAIL or git config, as `package` takes it).
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub maintainer: Option<String>,
    /// The vendor's homepage (default: PROJECT/omnipack.toml's url, else --base-url if http(s)).
    #[arg(long, value_name = "URL")]
    pub homepage: Option<String>,
    /// Output directory; the package goes to OUT/<distribution>/ (where
    /// `repo add` finds its distribution).
    #[arg(long, short, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// Run lintian (.deb) / rpmlint (.rpm) on the package; fail on anything not suppressed.
    #[arg(long)]
    pub lint: bool,
}

/// `omnipack publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The repository directory, indexed by `omnipack repo index`.
    pub repo: PathBuf,
    /// Where to publish: a directory, `file:///path` or `s3://bucket/prefix`.
    pub dest: String,
    /// S3 endpoint URL (default: AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// Path-style requests (ENDPOINT/BUCKET/KEY) instead of virtual-hosted (BUCKET.ENDPOINT/KEY).
    #[arg(long)]
    pub path_style: bool,
    /// Canned ACL for every uploaded object, e.g. `public-read` (sent as x-amz-acl).
    #[arg(long, value_name = "ACL")]
    pub acl: Option<String>,
    /// Print the public-read bucket policy for DEST's bucket and prefix, and exit.
    #[arg(long)]
    pub print_policy: bool,
    /// Keep an object that left the repository for this many publishes.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub keep_publishes: u64,
    /// ...and for at least this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub grace: u64,
    /// Remove the lock a killed publisher left (check that none is running first).
    #[arg(long)]
    pub break_lock: bool,
    /// Publish without running `omnipack repo check` first (by default a
    /// repository that apt or dnf would fail on is refused before anything
    /// is uploaded).
    #[arg(long)]
    pub no_check: bool,
    /// Upload every file, whatever the destination's manifest says.
    #[arg(long)]
    pub force: bool,
    /// Files of at least this many MiB go up in parts.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub multipart_threshold: u64,
    /// Concurrent uploads.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 8)]
    pub jobs: usize,
    /// Retries of a failed request, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: usize,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// The .rpm files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Armored OpenPGP secret key.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Fingerprint of the signing subkey to use.
    #[arg(long, value_name = "FPR")]
    pub subkey: Option<String>,
    /// A file whose first line is the key's passphrase (else the
    /// OMNIPACK_SIGN_PASSPHRASE environment variable).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// `omnipack repo ...`.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Make a directory a repository: write REPO/.omnipack/repo.toml, the
    /// signing key and defaults every `repo` command reads (flags override
    /// them for one run).
    ///
    /// Refuses a directory that already has one, and a non-empty directory
    /// unless --from-existing (a tree made before `repo init`).
    #[command(after_help = "Examples:
  omnipack repo init repo/ --sign-key keys/repo-key.secret.asc --keep 5
  omnipack repo init old-tree/ --from-existing --layout dists")]
    Init(RepoInitArgs),
    /// Write apt (Packages, Release, InRelease, by-hash) and yum (repodata/)
    /// indexes for a directory of packages or every leaf of a repository tree.
    ///
    /// Packages are read and hashed on all cores; unchanged packages come from
    /// a cache (path, size, mtime, inode). Every file is written under a
    /// temporary name and renamed into place, top index last.
    #[command(after_help = "Examples:
  omnipack repo index repo/
  omnipack repo index dist/ --kind apt --sign-key repo-key.secret.asc
  omnipack repo index gems/ --kind gem")]
    Index(RepoIndexArgs),
    /// Add packages to a channel of a repository tree,
    /// `<os>[-testing]/<version>/<arch>/`, and re-index the leaves touched.
    ///
    /// The distribution comes from --distribution, else the directory the
    /// package is in (`omnipack build` writes OUT/<distribution>/), else the
    /// RPM release's dist tag. Arch-independent packages go to every
    /// architecture of the distribution in the repository (x86-64 if none).
    /// A name + version + arch already there with other contents is refused.
    #[command(after_help = "Examples:
  omnipack repo add repo/ dist/debian-12/*.deb
  omnipack repo add repo/ greet-1.0.0-1.x86_64.rpm -d rocky-9 --channel stable")]
    Add(RepoAddArgs),
    /// Copy exact packages from one channel to another (testing → stable),
    /// same distribution and architecture, and re-index the leaves touched.
    #[command(after_help = "Examples:
  omnipack repo promote repo/ greet-python greet-cli
  omnipack repo promote repo/ greet-python=1.0.0-1 -d debian-12")]
    Promote(RepoPromoteArgs),
    /// Delete packages from a repository tree and re-index the leaves touched.
    #[command(after_help = "Examples:
  omnipack repo remove repo/ greet-python=0.9.0-1
  omnipack repo remove repo/ greet-cli --channel testing -d debian-12")]
    Remove(RepoRemoveArgs),
    /// What is in each leaf of a repository tree.
    #[command(after_help = "Examples:
  omnipack repo list repo/
  omnipack repo list repo/ --json")]
    List(RepoListArgs),
    /// Read a repository as apt and dnf do and report every way they would
    /// fail on it; writes nothing.
    ///
    /// Signatures against the repository's key (InRelease, Release.gpg,
    /// repomd.xml.asc: present, verified, not stale); every file an index
    /// lists against its size and digest (index files, by-hash copies,
    /// packages); every package present is in an index. Problems go to
    /// stdout, one per line; exit 3 if there is any (1: it could not check).
    #[command(after_help = "Examples:
  omnipack repo check repo/
  omnipack repo check repo/ --key keys/repo-key.public.asc")]
    Check(RepoCheckArgs),
}

/// Channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// `<os>/<version>/<arch>/`.
    Stable,
    /// `<os>-testing/<version>/<arch>/`.
    Testing,
}

impl From<ChannelArg> for omnipack_repo::channels::Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Stable => Self::Stable,
            ChannelArg::Testing => Self::Testing,
        }
    }
}

/// `omnipack repo init`.
#[derive(Debug, Args)]
pub struct RepoInitArgs {
    /// The repository directory (created if missing).
    pub repo: PathBuf,
    /// Armored OpenPGP secret key that signs every index (stored relative to
    /// the repository when inside it, else as an absolute path).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// Fingerprint of the signing subkey to use.
    #[arg(long, value_name = "FPR", requires = "sign_key")]
    pub sign_subkey: Option<String>,
    /// A file whose first line is the key's passphrase, stored in repo.toml
    /// as `sign-passphrase-file` (else OMNIPACK_SIGN_PASSPHRASE is read).
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub passphrase_file: Option<PathBuf>,
    /// `repo add` signs each RPM (header signature) before placing it.
    #[arg(long, requires = "sign_key")]
    pub sign_packages: bool,
    /// `repo add`/`promote` keep only the N newest versions of each package name per leaf.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Compress yum metadata with zstd instead of gzip (not readable by EL7).
    #[arg(long)]
    pub yum_zstd: bool,
    /// Adopt a directory that already holds files (a tree made before `repo init`).
    #[arg(long)]
    pub from_existing: bool,
    /// `repo index`'s layout: flat, or apt's dists/ + pool/.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// apt `Origin` of every Release.
    #[arg(long)]
    pub origin: Option<String>,
    /// apt `Label` of every Release.
    #[arg(long)]
    pub label: Option<String>,
    /// apt `Suite` (`repo index`; the suite directory of the dists layout).
    #[arg(long)]
    pub suite: Option<String>,
    /// apt `Codename` (`repo index`).
    #[arg(long)]
    pub codename: Option<String>,
    /// `release-package --repo`'s default vendor.
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,
    /// `release-package --repo`'s default base URL (where clients reach the tree).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

impl From<&RepoInitArgs> for omnipack_repo::InitOptions {
    fn from(a: &RepoInitArgs) -> Self {
        Self {
            config: omnipack_repo::RepoConfig {
                sign_key: a.sign_key.clone(),
                sign_subkey: a.sign_subkey.clone(),
                sign_passphrase_file: a.passphrase_file.clone(),
                sign_packages: a.sign_packages,
                keep: a.keep,
                yum_zstd: a.yum_zstd,
                layout: a.layout.map(Into::into),
                component: None,
                architectures: None,
                origin: a.origin.clone(),
                label: a.label.clone(),
                suite: a.suite.clone(),
                codename: a.codename.clone(),
                release: (a.vendor.is_some() || a.base_url.is_some()).then(|| {
                    omnipack_repo::config::ReleaseDefaults {
                        vendor: a.vendor.clone(),
                        base_url: a.base_url.clone(),
                    }
                }),
            },
            from_existing: a.from_existing,
        }
    }
}

/// How touched leaves are re-indexed.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Armored OpenPGP secret key to sign the indexes with (default: the
    /// repository's configured `sign-key`).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// Fingerprint of the signing subkey to use.
    #[arg(long, value_name = "FPR")]
    pub sign_subkey: Option<String>,
    /// A file whose first line is the passphrase of a protected key (else
    /// the OMNIPACK_SIGN_PASSPHRASE environment variable; never a value on
    /// the command line).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Compress yum metadata with zstd instead of gzip (not readable by EL7).
    #[arg(long)]
    pub yum_zstd: bool,
    /// Exit 0 even when packages were left out of an index (each is still reported).
    #[arg(long)]
    pub allow_problems: bool,
}

impl From<&ReindexArgs> for omnipack_repo::channels::ReindexOptions {
    fn from(a: &ReindexArgs) -> Self {
        Self {
            sign_key: a.sign_key.clone(),
            sign_subkey: a.sign_subkey.clone(),
            passphrase_file: a.passphrase_file.clone(),
            yum_zstd: a.yum_zstd,
            cache_dir: None,
        }
    }
}

/// `omnipack repo add`.
#[derive(Debug, Args)]
pub struct RepoAddArgs {
    /// The repository tree.
    pub repo: PathBuf,
    /// The .deb / .rpm files.
    #[arg(required = true)]
    pub packages: Vec<PathBuf>,
    /// The channel to add to (promote to stable when tested).
    #[arg(long, value_enum, default_value_t = ChannelArg::Testing)]
    pub channel: ChannelArg,
    /// The distribution the packages are for (see `omnipack distributions`).
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Option<String>,
    /// Keep only the N newest versions of each package name in each leaf touched.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Sign each .rpm (header signature, with the signing key) before placing
    /// it; the files given are not changed.
    #[arg(long)]
    pub sign_packages: bool,
    #[command(flatten)]
    pub index: ReindexArgs,
}

/// `omnipack repo promote`.
#[derive(Debug, Args)]
pub struct RepoPromoteArgs {
    /// The repository tree.
    pub repo: PathBuf,
    /// `NAME` (its newest version) or `NAME=VERSION` (as `repo list` prints it).
    #[arg(required = true, value_name = "NAME[=VERSION]")]
    pub packages: Vec<omnipack_repo::channels::Selector>,
    /// The channel to copy from.
    #[arg(long, value_enum, default_value_t = ChannelArg::Testing)]
    pub from: ChannelArg,
    /// The channel to copy to.
    #[arg(long, value_enum, default_value_t = ChannelArg::Stable)]
    pub to: ChannelArg,
    /// Only this distribution (default: every one holding the packages).
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Option<String>,
    /// Keep only the N newest versions of each package name in each leaf touched.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    #[command(flatten)]
    pub index: ReindexArgs,
}

/// `omnipack repo remove`.
#[derive(Debug, Args)]
pub struct RepoRemoveArgs {
    /// The repository tree.
    pub repo: PathBuf,
    /// `NAME` (every version) or `NAME=VERSION`.
    #[arg(required = true, value_name = "NAME[=VERSION]")]
    pub packages: Vec<omnipack_repo::channels::Selector>,
    /// Only this channel (default: both).
    #[arg(long, value_enum)]
    pub channel: Option<ChannelArg>,
    /// Only this distribution.
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Option<String>,
    #[command(flatten)]
    pub index: ReindexArgs,
}

/// `omnipack repo list`.
#[derive(Debug, Args)]
pub struct RepoListArgs {
    /// The repository tree.
    pub repo: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack repo check`.
#[derive(Debug, Args)]
pub struct RepoCheckArgs {
    /// The repository (a tree, or a directory of packages with its indexes).
    pub repo: PathBuf,
    /// Verify signatures with this public key (armored, binary keyring, or
    /// the secret key) instead of the one REPO/.omnipack/repo.toml names.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// Index kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// apt indexes for .deb packages.
    Apt,
    /// yum repodata for .rpm packages.
    Yum,
    /// A RubyGems source: PATH/gems/*.gem → compact index (names, versions,
    /// info/) and legacy index (specs.4.8.gz, quick/Marshal.4.8/).
    Gem,
    /// By what each leaf holds (and every directory with a gems/ of .gem files).
    Auto,
}

impl From<KindArg> for omnipack_repo::IndexKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Apt => Self::Apt,
            KindArg::Yum => Self::Yum,
            KindArg::Gem => Self::Gem,
            KindArg::Auto => Self::Auto,
        }
    }
}

/// `omnipack repo index`.
#[derive(Debug, Args)]
pub struct RepoIndexArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// A flat directory of packages or a repository tree `<dist>[-testing]/<version>/<arch>/`.
    pub path: PathBuf,
    /// Which indexes to write.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    pub kind: KindArg,
    /// Armored OpenPGP secret key to sign with (InRelease, Release.gpg,
    /// repomd.xml.asc); default: PATH/.omnipack/repo.toml's `sign-key`.
    /// Without any key, signatures left from before are removed.
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// Fingerprint of the signing subkey to use.
    #[arg(long, value_name = "FPR")]
    pub sign_subkey: Option<String>,
    /// A file whose first line is the passphrase of a protected key (else
    /// the OMNIPACK_SIGN_PASSPHRASE environment variable; never a value on
    /// the command line).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Fail, changing nothing, if any package is unreadable or conflicting.
    #[arg(long)]
    pub strict: bool,
    /// Exit 0 even when packages were left out of the index (each is still reported).
    #[arg(long)]
    pub allow_problems: bool,
    /// Superseded metadata generations to keep for clients mid-update.
    #[arg(long, value_name = "N", default_value_t = omnipack_repo::DEFAULT_KEEP)]
    pub keep: usize,
    /// apt `Origin`.
    #[arg(long)]
    pub origin: Option<String>,
    /// apt `Label`.
    #[arg(long)]
    pub label: Option<String>,
    /// apt `Suite`.
    #[arg(long)]
    pub suite: Option<String>,
    /// apt `Codename`.
    #[arg(long)]
    pub codename: Option<String>,
    /// Compress yum metadata with zstd instead of gzip (not readable by EL7).
    #[arg(long)]
    pub yum_zstd: bool,
    /// Where the indexes go: beside the packages in every leaf (flat), or
    /// apt's `dists/<suite>/<component>/binary-<arch>/` for every .deb under
    /// PATH/pool/ (clients use `deb URL SUITE COMPONENT`; suite from --suite,
    /// else --codename, else `stable`).
    /// Default: PATH/.omnipack/repo.toml's `layout`, else flat.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// With --layout dists: the component (default: repo.toml's, else `main`).
    #[arg(long)]
    pub component: Option<String>,
    /// With --layout dists: the binary-<arch> indexes to write, comma-separated
    /// (default: every architecture the packages name; `all` packages go in each).
    #[arg(long, value_delimiter = ',', value_name = "ARCH,...")]
    pub architectures: Vec<String>,
}

impl From<&RepoIndexArgs> for omnipack_repo::IndexRequest {
    fn from(a: &RepoIndexArgs) -> Self {
        Self {
            kind: a.kind.into(),
            layout: a.layout.map(Into::into),
            component: a.component.clone(),
            architectures: a.architectures.clone(),
            sign_key: a.sign_key.clone(),
            sign_subkey: a.sign_subkey.clone(),
            passphrase_file: a.passphrase_file.clone(),
            strict: a.strict,
            keep: a.keep,
            release: omnipack_repo::ReleaseFields {
                origin: a.origin.clone(),
                label: a.label.clone(),
                suite: a.suite.clone(),
                codename: a.codename.clone(),
            },
            yum_zstd: a.yum_zstd,
            cache_dir: None,
        }
    }
}

/// Repository layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Indexes beside the packages (`deb URL /`, yum `baseurl=URL`).
    Flat,
    /// apt's dists/ + pool/ layout.
    Dists,
}

impl From<LayoutArg> for omnipack_repo::LayoutKind {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Flat => Self::Flat,
            LayoutArg::Dists => Self::Dists,
        }
    }
}

/// `omnipack builder ...`.
#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// Make (or make again) the build root of a distribution, with what
    /// the python recipe needs, or with --project what that project needs.
    #[command(after_help = "Examples:
  omnipack builder create debian-11
  omnipack builder create debian-13 --project examples/greet
  omnipack builder create ubuntu-24.04 --mirror http://HOST/ubuntu")]
    Create(BuilderCreateArgs),
    /// The cached build roots.
    #[command(after_help = "Examples:
  omnipack builder list
  omnipack builder list --json")]
    List(BuilderListArgs),
    /// Delete the cached build root of a distribution.
    #[command(after_help = "Examples:
  omnipack builder remove debian-11")]
    Remove(BuilderRemoveArgs),
}

/// `omnipack builder create`.
#[derive(Debug, Args)]
pub struct BuilderCreateArgs {
    /// The distribution (see `omnipack distributions`).
    pub distribution: String,
    /// The mirror (deb: the directory holding `dists/`) or, for RPM
    /// distributions, a repository base URL.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
    /// A project (directory or omnipack.toml) whose recipe, build-depends
    /// and distribution settings the root is made for.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// One more package to install; repeatable.
    #[arg(long = "package", value_name = "NAME")]
    pub packages: Vec<String>,
}

/// `omnipack builder list`.
#[derive(Debug, Args)]
pub struct BuilderListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack builder remove`.
#[derive(Debug, Args)]
pub struct BuilderRemoveArgs {
    /// The distribution.
    pub distribution: String,
}

/// `omnipack key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// A new OpenPGP key pair: `<stem>.secret.asc` (0600), `<stem>.public.asc`
    /// (for rpm/dnf) and `<stem>.gpg` (a binary keyring for apt's signed-by).
    #[command(after_help = "Examples:
  omnipack key generate --name 'Acme Repository <repo@acme.example>' --out keys/
  omnipack key generate --name 'Acme <repo@acme.example>' --algorithm ed25519")]
    Generate(KeyGenerateArgs),
}

/// `omnipack key generate`.
#[derive(Debug, Args)]
pub struct KeyGenerateArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// User id, `Name <email>`.
    #[arg(long)]
    pub name: String,
    /// Directory to write the files into.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// File name stem.
    #[arg(long, default_value = "repo-key")]
    pub stem: String,
    /// The key's algorithm: RSA-3072 (every client, EL7 included) or
    /// Ed25519 (apt on Debian 10+/Ubuntu 20.04+, rpm 4.16+: EL9, Fedora;
    /// not EL7 or EL8).
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Rsa3072)]
    pub algorithm: AlgorithmArg,
}

/// `key generate --algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// RSA, 3072 bits.
    Rsa3072,
    /// Ed25519 (EdDSA).
    Ed25519,
}

impl From<AlgorithmArg> for omnipack_sign::KeyAlgorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Rsa3072 => Self::Rsa3072,
            AlgorithmArg::Ed25519 => Self::Ed25519,
        }
    }
}

/// `omnipack build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// The project directory (holding omnipack.toml) or the manifest file.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Target distribution; repeatable (default: this machine's, if known). See the table below.
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Vec<String>,
    /// Output directory; packages go to OUT/<distribution>/.
    #[arg(long, short, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// Run lintian (.deb) / rpmlint (.rpm) on every package; fail on anything not suppressed.
    #[arg(long)]
    pub lint: bool,
    /// Compression threads (default: every core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<u32>,
    /// Where a distribution stages: `DIST=auto` (its cached build root,
    /// made when missing), `DIST=host` (this machine) or `DIST=DIR` (a root
    /// filesystem made by another tool); repeatable. Default: this machine
    /// for its own release, else the cached root.
    #[arg(long, value_name = "DIST=WHERE")]
    pub builder: Vec<String>,
    /// What installs into the python recipe's virtualenv, instead of
    /// `[build] installer`: `pip` (the default) or `uv` (from PATH; a build
    /// root without its own gets this machine's).
    #[arg(long, value_enum, value_name = "INSTALLER")]
    pub installer: Option<InstallerArg>,
}

/// `build --installer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InstallerArg {
    /// pip (`pip --python`, the distribution's pip wheel, or ensurepip).
    Pip,
    /// uv (`uv pip install --python`).
    Uv,
}

impl From<InstallerArg> for omnipack_spec::Installer {
    fn from(a: InstallerArg) -> Self {
        match a {
            InstallerArg::Pip => Self::Pip,
            InstallerArg::Uv => Self::Uv,
        }
    }
}

/// `omnipack distributions`.
#[derive(Debug, Args)]
pub struct DistributionsArgs {
    /// A project whose omnipack.toml adds or overrides distributions.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack spec`.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The project directory (holding omnipack.toml, in a git checkout).
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Where NAME-VERSION.tar.gz and NAME.spec go.
    #[arg(long, short, default_value = "dist", value_name = "DIR")]
    pub out: PathBuf,
    /// The distribution whose dependency names the spec uses (default: the
    /// newest Fedora of `omnipack distributions`).
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Option<String>,
    /// The spec of a Python project: `pip` needs only rpmbuild and pip,
    /// `fedora` follows the Fedora Python packaging guidelines.
    #[arg(long, value_enum, default_value_t = SpecStyleArg::Pip)]
    pub style: SpecStyleArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `omnipack debian`.
#[derive(Debug, Args)]
pub struct DebianArgs {
    /// The project directory (holding omnipack.toml, in a git checkout).
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Where NAME_VERSION.orig.tar.gz and debian/ go.
    #[arg(long, short, default_value = "dist", value_name = "DIR")]
    pub out: PathBuf,
    /// The distribution whose dependency names debian/control uses
    /// (default: the newest Debian of `omnipack distributions`).
    #[arg(long, short, value_name = "NAME")]
    pub distribution: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--style` of `omnipack spec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpecStyleArg {
    /// Only rpmbuild and pip: builds anywhere rpmbuild runs.
    Pip,
    /// The Fedora Python guidelines (pyproject-rpm-macros).
    Fedora,
}

/// `omnipack version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// The project directory (a git checkout, or holding omnipack.toml with a version).
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Output formats for `package`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A Debian binary package.
    Deb,
    /// An RPM binary package.
    Rpm,
    /// Both.
    All,
}

/// `omnipack package`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  omnipack package --from-dir stage/ --name hello --version 1.0 --summary 'Says hello' \\
      --maintainer 'Ops <ops@example.org>' --depends 'libc6 (>= 2.31)' --format all
  omnipack package --spec examples/hello/package.toml --out dist/")]
pub struct PackageArgs {
    /// Print a JSON document on stdout instead of the paths (fields: docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Staged tree to package; its root is installed at `--prefix`.
    #[arg(long, value_name = "DIR", required_unless_present = "spec")]
    pub from_dir: Option<PathBuf>,
    /// A package spec file (TOML, see docs/spec-file.md); flags override its fields.
    #[arg(long, value_name = "FILE.toml")]
    pub spec: Option<PathBuf>,
    /// Which formats to write.
    #[arg(long, short, value_enum, default_value_t = FormatArg::All)]
    pub format: FormatArg,
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// Package name.
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Upstream version (no release, no epoch).
    #[arg(long = "version", short = 'v', value_name = "VERSION")]
    pub pkg_version: Option<String>,
    /// More detail on stderr; repeatable (the global `--verbose`, whose
    /// short `-v` is the version here).
    #[arg(long = "verbose", action = clap::ArgAction::Count, id = "verbosity")]
    pub verbose: u8,
    /// Release / Debian revision (default 1).
    #[arg(long)]
    pub release: Option<String>,
    /// Epoch.
    #[arg(long)]
    pub epoch: Option<u32>,
    /// Architecture: native, all, amd64/x86_64, arm64/aarch64, ...
    #[arg(long, short, value_parser = checked::<omnipack_spec::Arch>)]
    pub arch: Option<String>,
    /// One-line summary.
    #[arg(long)]
    pub summary: Option<String>,
    /// Long description.
    #[arg(long)]
    pub description: Option<String>,
    /// License (SPDX expression).
    #[arg(long)]
    pub license: Option<String>,
    /// Home page URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Vendor.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Maintainer, `Name <email>`.
    #[arg(long, short)]
    pub maintainer: Option<String>,
    /// Debian section / RPM group.
    #[arg(long)]
    pub section: Option<String>,
    /// Debian priority.
    #[arg(long)]
    pub priority: Option<String>,
    /// A dependency, e.g. `libc6 (>= 2.31)` or `python3 >= 3.6`; repeatable.
    #[arg(long, short, value_name = "DEP")]
    pub depends: Vec<String>,
    /// A recommended package; repeatable.
    #[arg(long, value_name = "DEP")]
    pub recommends: Vec<String>,
    /// A suggested package; repeatable.
    #[arg(long, value_name = "DEP")]
    pub suggests: Vec<String>,
    /// A provided name; repeatable.
    #[arg(long, value_name = "DEP")]
    pub provides: Vec<String>,
    /// A conflicting package; repeatable.
    #[arg(long, value_name = "DEP")]
    pub conflicts: Vec<String>,
    /// A replaced package (Debian); repeatable.
    #[arg(long, value_name = "DEP")]
    pub replaces: Vec<String>,
    /// An obsoleted package (RPM); repeatable.
    #[arg(long, value_name = "DEP")]
    pub obsoletes: Vec<String>,
    /// Installed path of the staged tree's root.
    #[arg(long, value_name = "PATH")]
    pub prefix: Option<String>,
    /// Mark an installed file as a configuration file; repeatable (files under /etc always are).
    #[arg(long, value_name = "PATH")]
    pub config_file: Vec<String>,
    /// Keep symlinks that point to nothing inside the package.
    #[arg(long)]
    pub allow_dangling_symlinks: bool,
    /// Script run before install (preinst / %pre).
    #[arg(long, value_name = "FILE")]
    pub pre_install: Option<PathBuf>,
    /// Script run after install (postinst / %post).
    #[arg(long, value_name = "FILE")]
    pub post_install: Option<PathBuf>,
    /// Script run before removal (prerm / %preun).
    #[arg(long, value_name = "FILE")]
    pub pre_remove: Option<PathBuf>,
    /// Script run after removal (postrm / %postun).
    #[arg(long, value_name = "FILE")]
    pub post_remove: Option<PathBuf>,
    /// .deb payload compression: gzip, xz, zstd or none, with `:LEVEL` (default xz:6).
    #[arg(long, value_name = "CODEC[:LEVEL]", value_parser = checked::<omnipack_spec::Compression>)]
    pub deb_compression: Option<String>,
    /// .rpm payload compression: gzip, xz, zstd or none, with `:LEVEL` (default xz:6).
    #[arg(long, value_name = "CODEC[:LEVEL]", value_parser = checked::<omnipack_spec::Compression>)]
    pub rpm_compression: Option<String>,
    /// Compression threads (default: every core); the output does not depend on it.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<u32>,
}

/// `omnipack inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A .deb or .rpm file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also check the package's integrity as its own tools do: an .rpm's
    /// header and payload digests (`rpm -K --nosignature`), a .deb's
    /// members read to their end and its files against `md5sums`; exit 1
    /// if any does not match.
    #[arg(long)]
    pub verify: bool,
}

/// `omnipack bundle …`.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Pack bundle directories into `<name>.tar.gz` (Crowbar's package_barclamp).
    ///
    /// The bundle directory, its build cache linked in as cache/ (from
    /// CACHE/barclamps/<name>/{files,gems,<os>/pkgs}), the manifest with
    /// `git: {date, commit}` set, sha1sums (Crowbar's format) and SHA256SUMS.
    /// Deterministic: sorted entries, root:root, SOURCE_DATE_EPOCH mtimes.
    /// The tarball paths go to stdout.
    #[command(after_help = "Examples:
  omnipack bundle pack barclamps/deployer --destdir dist --cache ~/.crowbar-build-cache
  omnipack bundle pack deployer nova --os ubuntu-12.04 --cache /cache")]
    Pack(BundlePackArgs),
    /// Check a bundle tarball or directory against its manifest and
    /// SHA256SUMS (else sha1sums); exit 3 unless pristine (1: it could not be read).
    #[command(after_help = "Examples:
  omnipack bundle verify dist/deployer.tar.gz
  omnipack bundle verify /opt/dell/barclamps/deployer --json   # an installed copy")]
    Verify(BundleVerifyArgs),
    /// Install bundles on an admin root, all or nothing per bundle
    /// (Crowbar's barclamp_install.rb), updating the served tree and its
    /// indexes. See docs/bundles.md for the admin config file.
    #[command(after_help = "Examples:
  omnipack bundle install --root /srv/admin dist/crowbar.tar.gz dist/deployer.tar.gz
  omnipack bundle install --root /srv/admin --dry-run barclamps/nova
  omnipack bundle install --root /srv/admin --force deployer   # reinstall an installed bundle")]
    Install(BundleInstallArgs),
    /// The installed bundles: version, order, source, install time, pristine or modified.
    #[command(after_help = "Examples:
  omnipack bundle list --root /srv/admin
  omnipack bundle list --root / --json | jq '.[].name'")]
    List(BundleListArgs),
    /// Like list, and each changed file of a modified bundle; exit 3 if any is modified.
    #[command(after_help = "Examples:
  omnipack bundle status --root /srv/admin
  omnipack bundle status --root / || echo \"local changes (exit 3)\"")]
    Status(BundleListArgs),
}

/// `omnipack bundle pack`.
#[derive(Debug, Args)]
pub struct BundlePackArgs {
    /// Bundle directories (holding crowbar.yml or bundle.yml), or names looked up in ./barclamps/.
    #[arg(required = true, value_name = "NAME|PATH")]
    pub sources: Vec<String>,
    /// Where the tarballs go.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub destdir: PathBuf,
    /// Only this OS token's packages from the cache (files and gems always).
    #[arg(long, value_name = "TOKEN")]
    pub os: Option<String>,
    /// The build cache holding barclamps/<name>/{files,gems,<os>/pkgs}.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// What was packed as JSON on stdout (an error too).
    #[arg(long)]
    pub json: bool,
}

/// `omnipack bundle verify`.
#[derive(Debug, Args)]
pub struct BundleVerifyArgs {
    /// A bundle tarball or directory.
    #[arg(value_name = "TARBALL|DIR")]
    pub path: PathBuf,
    /// The result as JSON on stdout (an error too).
    #[arg(long)]
    pub json: bool,
}

/// `omnipack bundle install`.
#[derive(Debug, Args)]
pub struct BundleInstallArgs {
    /// Bundle tarballs, bundle directories, or names of installed bundles.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// The admin root (the tree `omnipack serve` serves).
    #[arg(long, value_name = "ROOT", default_value = ".")]
    pub root: PathBuf,
    /// Overwrite local changes to installed bundles (never a directory
    /// that is not a bundle).
    #[arg(long)]
    pub force: bool,
    /// Print the plan (order, each file added, replaced or removed) and
    /// write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Each file added, replaced or removed, not only a summary per bundle.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// The root's layout: `crowbar` puts everything where Crowbar's admin
    /// node has it (/opt/dell/barclamps, /opt/dell/bin, /tftpboot/…);
    /// written into a new root's config, checked against an existing one.
    #[arg(long, value_name = "omnipack|crowbar", value_parser = ["omnipack", "crowbar"])]
    pub layout: Option<String>,
    /// Refuse a bundle whose `barclamp.requires` are not installed before
    /// it (Crowbar installs by `crowbar.order` alone; without this flag
    /// omnipack does the same and warns).
    #[arg(long)]
    pub strict_requires: bool,
    /// The report (or plan) as JSON on stdout (an error too).
    #[arg(long)]
    pub json: bool,
}

/// `omnipack bundle list` / `status`.
#[derive(Debug, Args)]
pub struct BundleListArgs {
    /// The admin root.
    #[arg(long, value_name = "ROOT", default_value = ".")]
    pub root: PathBuf,
    /// As JSON on stdout (an error too).
    #[arg(long)]
    pub json: bool,
}
