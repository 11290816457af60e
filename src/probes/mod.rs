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

use serde::Deserialize;

use crate::recipe::template::Vars;
use crate::system::{Cmd, Connection, System};
use crate::version::Constraint;

/// How long a probe waits for a server that accepted the connection to answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// A probe as a recipe writes it: `probe = { protocol = "redis", port = "{port}" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "protocol", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProbeArgs {
    /// A TCP connection is accepted.
    Tcp { port: String },
    /// The server answers PING with PONG.
    Redis { port: String },
    /// The server answers `version`.
    Memcached { port: String },
    /// A connection as `user` to each of `databases` succeeds, and `query`, if given, returns a row.
    /// Over TCP on 127.0.0.1, or with `socket` (a directory) over the server's unix socket
    /// there, where a machine's shared server knows its users by their accounts.
    Postgres {
        port: String,
        user: String,
        #[serde(default = "postgres_default_db")]
        databases: Vec<String>,
        query: Option<String>,
        socket: Option<String>,
        /// A version constraint the server's own version must satisfy (`"15"`).
        version: Option<String>,
    },
    /// A path exists; with `contains`, a file that holds this text (read in-process).
    Path {
        path: String,
        #[serde(default)]
        contains: Option<String>,
    },
    /// An account exists in the machine's password database (the one a server runs as).
    Account { name: String },
    /// A shell command exits 0 (for what no socket or file can answer).
    Command { run: String },
}

fn postgres_default_db() -> Vec<String> {
    vec!["postgres".to_string()]
}

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

impl ProbeArgs {
    /// Fills placeholders. Values reach SQL only as quoted literals, and commands only as
    /// quoted shell words.
    pub fn render(&self, vars: &Vars, resolve_path: impl Fn(&str) -> Result<PathBuf, String>) -> Result<Probe, String> {
        let addr = |port: &str| -> Result<SocketAddr, String> {
            let text = vars.text(port)?;
            let port: u16 = text.parse().map_err(|_| format!("port `{text}` is not a port number"))?;
            Ok(SocketAddr::from(([127, 0, 0, 1], port)))
        };
        Ok(match self {
            ProbeArgs::Tcp { port } => Probe::Tcp(addr(port)?),
            ProbeArgs::Redis { port } => Probe::Redis(addr(port)?),
            ProbeArgs::Memcached { port } => Probe::Memcached(addr(port)?),
            ProbeArgs::Postgres { port, user, databases, query, socket, version } => Probe::Postgres {
                version: match version {
                    Some(text) => {
                        let want = crate::resources::constraint(vars, text)?;
                        (!want.is_any()).then_some(want)
                    }
                    None => None,
                },
                addr: addr(port)?,
                // The server's socket file in that directory, named after its port.
                socket: socket
                    .as_ref()
                    .map(|dir| -> Result<PathBuf, String> {
                        Ok(Path::new(&vars.text(dir)?).join(format!(".s.PGSQL.{}", vars.text(port)?)))
                    })
                    .transpose()?,
                user: vars.text(user)?,
                databases: vars.text_list(databases)?,
                query: query.as_ref().map(|q| vars.sql(q)).transpose()?,
            },
            ProbeArgs::Path { path, contains } => {
                Probe::Path(resolve_path(&vars.text(path)?)?, contains.as_ref().map(|c| vars.text(c)).transpose()?)
            }
            ProbeArgs::Account { name } => Probe::Account(vars.text(name)?),
            ProbeArgs::Command { run } => Probe::Command(vars.shell(run)?),
        })
    }
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
