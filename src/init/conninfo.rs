//! libpq's keyword/value connection strings as CI variables write them
//! (`host=localhost port=5432 dbname=app_test`; PostgreSQL's "Keyword/Value Connection
//! Strings"), read as libpq reads them: `keyword = value` pairs apart by white space, spaces
//! around `=` allowed, a value in single quotes when it holds spaces, `\` taking the next
//! character as it is. Everything is kept as written but the server's host and port, so that
//! `init` can point one at devup's server and leave the rest as CI had it.

use crate::recipe::template::escape;

/// libpq's keywords (PostgreSQL 18). libpq refuses a string with any other, and so does
/// `init`: `FEATURES=a=b` or `-c x=y` is something else that happens to hold `=`.
const KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslkeylogfile",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "min_protocol_version",
    "max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "scram_client_key",
    "scram_server_key",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    "oauth_issuer",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_scope",
];

/// One `keyword=value`.
#[derive(Debug, PartialEq, Eq)]
pub struct Pair<'a> {
    pub keyword: &'a str,
    /// The value as libpq reads it: quotes and `\` escapes undone.
    pub value: String,
    /// Where the keyword starts in the text.
    start: usize,
    /// Where the value is written, its quotes included.
    value_at: std::ops::Range<usize>,
}

#[derive(Debug)]
pub struct Conninfo<'a> {
    text: &'a str,
    pub pairs: Vec<Pair<'a>>,
}

/// White space as libpq's `isspace` sees it.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

impl<'a> Conninfo<'a> {
    /// A connection string: at least two pairs, each with a keyword of libpq's, and nothing
    /// else; one pair alone (`user=app`) says too little to be one.
    pub fn parse(text: &'a str) -> Option<Conninfo<'a>> {
        let mut pairs = Vec::new();
        let mut chars = text.char_indices().peekable();
        let at = |chars: &mut std::iter::Peekable<std::str::CharIndices>| chars.peek().map_or(text.len(), |(i, _)| *i);
        loop {
            while chars.next_if(|(_, c)| is_space(*c)).is_some() {}
            let start = at(&mut chars);
            if start == text.len() {
                break;
            }
            while chars.next_if(|(_, c)| *c != '=' && !is_space(*c)).is_some() {}
            let keyword = &text[start..at(&mut chars)];
            if !KEYWORDS.contains(&keyword) {
                return None;
            }
            while chars.next_if(|(_, c)| is_space(*c)).is_some() {}
            chars.next_if(|(_, c)| *c == '=')?;
            while chars.next_if(|(_, c)| is_space(*c)).is_some() {}
            let value_start = at(&mut chars);
            let mut value = String::new();
            if chars.next_if(|(_, c)| *c == '\'').is_some() {
                // Up to the closing quote, which must be there.
                loop {
                    match chars.next()?.1 {
                        '\'' => break,
                        '\\' => value.push(chars.next()?.1),
                        c => value.push(c),
                    }
                }
            } else {
                while let Some((_, c)) = chars.next_if(|(_, c)| !is_space(*c)) {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        c => value.push(c),
                    }
                }
            }
            pairs.push(Pair { keyword, value, start, value_at: value_start..at(&mut chars) });
        }
        (pairs.len() >= 2).then_some(Conninfo { text, pairs })
    }

    /// The value libpq takes for a keyword: the last one written.
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|p| p.keyword == keyword).map(|p| p.value.as_str())
    }

    /// The string as a template reaching another server: `host` and `port` (devup's
    /// placeholders) written as given, in the quotes CI wrote those values in, and every other
    /// pair as written, braces escaped. `hostaddr` becomes `host`: it takes a numeric address
    /// only, where devup's host may be a socket directory. A string without a port gets one
    /// after its host, one without a host both in front: libpq's defaults are not devup's
    /// server.
    pub fn with_server(&self, host: &str, port: &str) -> String {
        let is_host = |p: &Pair| matches!(p.keyword, "host" | "hostaddr");
        let last_host = self.pairs.iter().rposition(is_host);
        let has_port = self.get("port").is_some();
        let mut out = String::new();
        if last_host.is_none() {
            out.push_str(&format!("host={host} "));
            if !has_port {
                out.push_str(&format!("port={port} "));
            }
        }
        let mut written = 0;
        for (i, pair) in self.pairs.iter().enumerate() {
            let (keyword, value) = match pair.keyword {
                "host" | "hostaddr" => ("host", host),
                "port" => ("port", port),
                _ => continue,
            };
            let keyword_end = pair.start + pair.keyword.len();
            let written_value = &self.text[pair.value_at.clone()];
            let quote = if written_value.starts_with('\'') { "'" } else { "" };
            out.push_str(&escape(&self.text[written..pair.start]));
            out.push_str(keyword);
            out.push_str(&escape(&self.text[keyword_end..pair.value_at.start]));
            out.push_str(&format!("{quote}{value}{quote}"));
            if Some(i) == last_host && !has_port {
                out.push_str(&format!(" port={port}"));
            }
            written = pair.value_at.end;
        }
        out.push_str(&escape(&self.text[written..]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let parsed = Conninfo::parse(text).unwrap_or_else(|| panic!("not read: {text}"));
        parsed.pairs.iter().map(|p| (p.keyword.to_string(), p.value.clone())).collect()
    }

    fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn pairs_are_read_as_libpq_reads_them() {
        assert_eq!(
            pairs("host=127.0.0.1 user=postgres password=password dbname=test"),
            kv(&[("host", "127.0.0.1"), ("user", "postgres"), ("password", "password"), ("dbname", "test")])
        );
        // Quotes, `\` escapes in and out of them, spaces around `=` and between pairs.
        assert_eq!(
            pairs("  dbname = 'my db'\tpassword='it\\'s \\\\ {x}' options=-c\\ geqo=off application_name=''"),
            kv(&[
                ("dbname", "my db"),
                ("password", r"it's \ {x}"),
                ("options", "-c geqo=off"),
                ("application_name", "")
            ])
        );
        // A closing quote ends the value, with or without a space after it.
        assert_eq!(pairs("user='a'dbname=b"), kv(&[("user", "a"), ("dbname", "b")]));
        assert_eq!(Conninfo::parse("host=a port=1 port=2").unwrap().get("port"), Some("2"));
    }

    #[test]
    fn other_values_with_an_equals_sign_are_not_connection_strings() {
        for text in [
            "",
            "host=localhost",
            "DJANGO_SETTINGS_MODULE=app.settings.test",
            "FEATURES=a=b",
            "-c x=y",
            "options=-c x=y",
            "user=app junk",
            "user=app =x",
            "user=app password='unterminated",
            "user=app password='ends in \\'",
            "HOST=localhost PORT=5432",
            "postgres://u:p@localhost:5432/db",
        ] {
            assert!(Conninfo::parse(text).is_none(), "read as a connection string: {text:?}");
        }
    }

    #[test]
    fn the_host_and_port_are_replaced_and_the_rest_kept_as_written() {
        let with = |text: &str| Conninfo::parse(text).unwrap().with_server("{h}", "{p}");
        assert_eq!(
            with("host=localhost port=5432 dbname=app sslmode=disable"),
            "host={h} port={p} dbname=app sslmode=disable"
        );
        // A missing port is added after the host.
        assert_eq!(
            with("host=127.0.0.1 user=postgres password=password dbname=test"),
            "host={h} port={p} user=postgres password=password dbname=test"
        );
        // Quoting, spacing, escapes and braces as written; braces escaped for the template.
        assert_eq!(
            with(r"dbname='my db'  host = 'localhost' password='a{b}\'c'"),
            r"dbname='my db'  host = '{h}' port={p} password='a{{b}}\'c'"
        );
        // hostaddr takes no socket directory: it becomes host.
        assert_eq!(with("hostaddr=127.0.0.1 port=5433 dbname=x"), "host={h} port={p} dbname=x");
        // No host: libpq's default socket directory is not devup's server.
        assert_eq!(with("dbname=test user=app"), "host={h} port={p} dbname=test user=app");
        assert_eq!(with("port=5432 dbname=test"), "host={h} port={p} dbname=test");
    }
}
