//! A probe as a recipe writes it (`probe = { protocol = "redis", port = "{port}" }`), and the
//! [`Probe`] it becomes once its placeholders are filled. The probe, `service` and
//! `system-service` kinds take one; asking it is `protocols/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocols::Probe;
use crate::recipe::template::Vars;

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
                        let want = super::constraint(vars, text)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::System;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn renders_with_quoting() {
        let mut vars = Vars::default();
        vars.set_text("port", "5433");
        vars.set_text("ext", "x'; DROP TABLE t; --");
        vars.set("dbs", crate::recipe::template::Value::List(vec!["a".into(), "b".into()]));
        let args = ProbeArgs::Postgres {
            port: "{port}".into(),
            user: "postgres".into(),
            databases: vec!["{dbs}".into()],
            query: Some("SELECT 1 FROM pg_extension WHERE extname = {ext}".into()),
            socket: None,
            version: None,
        };
        let probe = args.render(&vars, |p| Ok(PathBuf::from(p))).unwrap();
        assert_eq!(
            probe,
            Probe::Postgres {
                addr: addr(5433),
                socket: None,
                version: None,
                user: "postgres".into(),
                databases: vec!["a".into(), "b".into()],
                query: Some("SELECT 1 FROM pg_extension WHERE extname = 'x''; DROP TABLE t; --'".into()),
            }
        );
        assert!(ProbeArgs::Tcp { port: "nope".into() }.render(&vars, |p| Ok(PathBuf::from(p))).is_err());
    }

    #[test]
    fn a_postgres_socket_is_the_file_named_after_the_port_in_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut vars = Vars::default();
        vars.set_text("dir", dir.path().display().to_string());
        let args = ProbeArgs::Postgres {
            port: "5432".into(),
            user: "dev".into(),
            databases: vec!["postgres".into()],
            query: None,
            socket: Some("{dir}".into()),
            version: None,
        };
        let probe = args.render(&vars, |p| Ok(PathBuf::from(p))).unwrap();
        let socket = dir.path().join(".s.PGSQL.5432");
        assert_eq!(probe.describe(), socket.display().to_string());
        let err = probe.run(&System::new(), &[]).unwrap_err();
        assert_eq!(err, format!("database `postgres`: nothing listens on {}", socket.display()));
    }
}
