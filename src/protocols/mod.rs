//! Probes: does a server answer, does a database exist? Each is answered over a socket or from
//! a file, in-process, so checking a converged datastore spawns nothing. The protocols are
//! spoken only as far as a probe needs.

mod memcached;
mod postgres;
mod redis;

use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::system::{Cmd, Connection, System};
use crate::version::Constraint;

/// How long a probe waits for a server that accepted the connection to answer.
const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Tcp(SocketAddr),
    Redis(SocketAddr),
    Memcached(SocketAddr),
    Postgres {
        addr: SocketAddr,
        socket: Option<PathBuf>,
        user: String,
        databases: Vec<String>,
        query: Option<String>,
        version: Option<Constraint>,
    },
    Path(PathBuf, Option<String>),
    Account(String),
    Command(String),
}

impl Probe {
    /// `Ok` when the probe passes; otherwise what was found, for the plan.
    pub fn run(&self, system: &System, env: &[(String, String)]) -> Result<(), String> {
        match self {
            Probe::Tcp(addr) => connect(system, *addr).map(drop),
            Probe::Redis(addr) => redis::ping(&mut connect(system, *addr)?),
            Probe::Memcached(addr) => memcached::version(&mut connect(system, *addr)?),
            Probe::Postgres { addr, socket, user, databases, query, version } => {
                let to = match socket {
                    Some(path) => Endpoint::Unix(path),
                    None => Endpoint::Tcp(*addr),
                };
                for database in databases {
                    postgres_session(system, &to, user, database, query.as_deref(), version.as_ref())
                        .map_err(|e| format!("database `{database}`: {e}"))?;
                }
                Ok(())
            }
            Probe::Path(path, None) => {
                if path.exists() {
                    Ok(())
                } else {
                    Err(format!("{} does not exist", path.display()))
                }
            }
            Probe::Path(path, Some(text)) => match std::fs::read_to_string(path) {
                Ok(content) if content.contains(text.as_str()) => Ok(()),
                Ok(_) => Err(format!("{} does not say `{text}`", path.display())),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            },
            Probe::Account(name) => crate::system::Account::lookup(name).map(drop).map_err(|e| e.to_string()),
            Probe::Command(run) => match system.run(&Cmd::shell(run).envs(env)) {
                Ok(out) if out.success() => Ok(()),
                Ok(out) => Err(format!("`{run}` failed ({})", out.status_text())),
                Err(e) => Err(format!("cannot run `{run}`: {e}")),
            },
        }
    }

    /// Runs the probe until it passes or `timeout` has gone by (a server just started).
    pub fn wait(&self, system: &System, env: &[(String, String)], timeout: Duration) -> Result<(), String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.run(system, env) {
                Ok(()) => return Ok(()),
                Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Probe::Postgres { socket: Some(path), .. } => path.display().to_string(),
            Probe::Tcp(a) | Probe::Redis(a) | Probe::Memcached(a) | Probe::Postgres { addr: a, .. } => {
                format!("port {}", a.port())
            }
            Probe::Path(p, _) => p.display().to_string(),
            Probe::Account(name) => format!("account {name}"),
            Probe::Command(c) => format!("`{c}`"),
        }
    }
}

/// Where a postgres server listens.
enum Endpoint<'a> {
    Tcp(SocketAddr),
    Unix(&'a Path),
}

/// A check on a postgres session, reusing one this run opened before (a session costs the
/// server a process; a converged project checks several databases). The server's version is
/// announced when a session starts: checking it takes a session of its own.
fn postgres_session(
    system: &System,
    to: &Endpoint,
    user: &str,
    database: &str,
    query: Option<&str>,
    version: Option<&Constraint>,
) -> Result<(), String> {
    let place = match to {
        Endpoint::Tcp(addr) => addr.to_string(),
        Endpoint::Unix(path) => path.display().to_string(),
    };
    let key = format!("postgres {place} {user} {database}");
    // A kept session may have died since (the server restarted): then start a new one.
    if version.is_none()
        && let Some(mut stream) = system.take_session(&key)
        && postgres::query(&mut stream, query.unwrap_or("SELECT 1")).is_ok()
    {
        system.keep_session(key, stream, postgres::goodbye());
        return Ok(());
    }
    let mut stream: Box<dyn Connection> = match to {
        Endpoint::Tcp(addr) => Box::new(connect(system, *addr)?),
        Endpoint::Unix(path) => Box::new(connect_unix(system, path)?),
    };
    let have = postgres::connect(&mut stream, user, database)?;
    if let Some(want) = version {
        let have = have.unwrap_or_default();
        // Debian's servers say `15.8 (Debian 15.8-0+deb12u1)`.
        let number = have.split_whitespace().next().unwrap_or_default();
        if !want.matches(number) {
            return Err(format!("the server is PostgreSQL {number}, not {want}"));
        }
    }
    if let Some(sql) = query {
        postgres::query(&mut stream, sql)?;
    }
    system.keep_session(key, stream, postgres::goodbye());
    Ok(())
}

fn connect_unix(system: &System, path: &Path) -> Result<UnixStream, String> {
    let stream = system.connect_unix(path).map_err(|e| unreachable(&e, &path.display().to_string()))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|_| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

fn connect(system: &System, addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = system
        .connect(addr, Duration::from_millis(500))
        .map_err(|e| unreachable(&e, &format!("port {}", addr.port())))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|_| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Why a connection to `place` ("port 5432", a socket's path) failed, in a plan's words.
fn unreachable(e: &std::io::Error, place: &str) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => format!("nothing listens on {place}"),
        _ => format!("cannot connect to {place}: {e}"),
    }
}

#[cfg(test)]
mod tests;
