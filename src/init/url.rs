//! URLs as CI variables write them (`postgres://user:pw@localhost:5432/app_test?sslmode=disable`),
//! read as far as `init` needs: which server, on which host and port, as whom, which database.

/// `scheme://user:password@host:port/path?query#fragment`, as much as `[env]` needs of it.
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub user: &'a str,
    pub password: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<&'a str>,
    /// Without its leading `/`.
    pub path: &'a str,
    /// Whether there is a `/` before the path (`redis://h:1/` has one, `redis://h:1` none).
    pub slash: bool,
    /// `?query` and `#fragment`, as written.
    pub tail: &'a str,
}

impl<'a> Url<'a> {
    pub fn parse(text: &'a str) -> Option<Url<'a>> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme_ok =
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(end);
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let close = v6.find(']')? + 1;
                let port = hostport[close + 1..].strip_prefix(':');
                (&hostport[..=close], port)
            }
            None => match hostport.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (hostport, None),
            },
        };
        if port.is_some_and(|p| !is_port(p)) {
            return None;
        }
        let slash = after.starts_with('/');
        let after = after.strip_prefix('/').unwrap_or(after);
        let q = after.find(['?', '#']).unwrap_or(after.len());
        Some(Url { scheme, user, password, host, port, path: &after[..q], slash, tail: &after[q..] })
    }
}

/// A port number as written: digits, at most 65535.
pub fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.chars().all(|c| c.is_ascii_digit()) && text.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_far_as_needed() {
        let u = Url::parse("postgresql+psycopg2://u:p@w@[::1]:5433/db?x=1#f").unwrap();
        assert_eq!(
            u,
            Url {
                scheme: "postgresql+psycopg2",
                user: "u",
                password: Some("p@w"),
                host: "[::1]",
                port: Some("5433"),
                path: "db",
                slash: true,
                tail: "?x=1#f"
            }
        );
        let bare = Url::parse("redis://cache").unwrap();
        assert_eq!((bare.host, bare.port, bare.slash), ("cache", None, false));
        assert!(Url::parse("redis://cache:port/0").is_none());
        assert!(Url::parse("not a url").is_none());
        assert!(!is_port("70000") && is_port("5432"));
    }
}
