//! Probes as shell: what devup answers in-process over a socket (`protocols/`), the exported script
//! asks a client for. The clients come with the servers' packages (`psql`, `redis-cli`); plain
//! TCP uses bash's `/dev/tcp` (bash is essential on Debian and Ubuntu).

use crate::protocols::Probe;
use crate::shell::quote;
use crate::step::ScriptCx;

/// A shell condition that holds when the probe passes.
pub fn shell(probe: &Probe, cx: &ScriptCx) -> Result<String, String> {
    Ok(match probe {
        Probe::Tcp(addr) => format!("tcp_open {} {}", addr.ip(), addr.port()),
        Probe::Redis(addr) => format!("redis_ping {} {}", addr.ip(), addr.port()),
        Probe::Memcached(addr) => format!("memcached_version {} {}", addr.ip(), addr.port()),
        Probe::Postgres { addr, socket, user, databases, query, version } => {
            let query = quote(query.as_deref().unwrap_or("SELECT 1"));
            // psql takes a socket's directory as its host.
            let host = match socket.as_ref().and_then(|s| s.parent()) {
                Some(dir) => quote(&dir.display().to_string()),
                None => addr.ip().to_string(),
            };
            let mut checks: Vec<String> = databases
                .iter()
                .map(|db| format!("pg_query {host} {} {} {} {query}", addr.port(), quote(user), quote(db)))
                .collect();
            if let Some(test) = version.as_ref().and_then(|want| crate::shell::version_test(want, "_v")) {
                let db = quote(databases.first().map_or("postgres", String::as_str));
                checks.push(format!(
                    "{{ _v=$(version_in \"$(psql -X -tA -h {host} -p {} -U {} -d {db} -c 'SHOW server_version' 2>/dev/null)\") && {test}; }}",
                    addr.port(),
                    quote(user)
                ));
            }
            checks.join(" && ")
        }
        Probe::Path(path, None) => format!("test -e {}", cx.path(path)),
        Probe::Path(path, Some(text)) => format!("grep -qF -- {} {} 2>/dev/null", quote(text), cx.path(path)),
        Probe::Account(name) => format!("id -u {} >/dev/null 2>&1", quote(name)),
        Probe::Command(run) => format!("( {run}\n)"),
        #[allow(unreachable_patterns)]
        other => return Err(format!("the probe {} has no shell equivalent", other.describe())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;

    #[test]
    fn each_protocol_asks_its_client() {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, std::path::Path::new("/p"), "s");
        let addr = "127.0.0.1:5433".parse().unwrap();
        let args: crate::resources::probe_args::ProbeArgs = toml::from_str(
            "protocol = 'postgres'\nport = '5433'\nuser = 'postgres'\ndatabases = ['a', 'b']\n\
             query = \"SELECT 1 FROM pg_database WHERE datname = 'a'\"",
        )
        .unwrap();
        let pg = args.render(&crate::recipe::template::Vars::default(), |p| Ok(p.into())).unwrap();
        assert_eq!(
            shell(&pg, &cx).unwrap(),
            "pg_query 127.0.0.1 5433 postgres a \"SELECT 1 FROM pg_database WHERE datname = 'a'\" && \
             pg_query 127.0.0.1 5433 postgres b \"SELECT 1 FROM pg_database WHERE datname = 'a'\""
        );
        assert_eq!(shell(&Probe::Redis(addr), &cx).unwrap(), "redis_ping 127.0.0.1 5433");
        assert_eq!(shell(&Probe::Path("/p/x y".into(), None), &cx).unwrap(), "test -e 'x y'");
        assert_eq!(shell(&Probe::Account("postgres".into()), &cx).unwrap(), "id -u postgres >/dev/null 2>&1");
    }
}
