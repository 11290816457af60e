//! Server options a container is started with: `postgres -c wal_level=logical` as a compose
//! `command:`, `-c fsync=off` in a GitHub service's `options:`, `mysqld
//! --character-set-server=utf8mb4`, `redis-server --appendonly yes` → the recipe's `settings`.

use super::store::Store;
use crate::recipe::detect::ServerArgs;

/// Pure: a command line as words, with quotes removed (`"a b"` is one word), as the shell
/// splits it (`script::words`).
pub fn words(text: &str) -> Vec<String> {
    super::script::words(text).into_iter().map(|w| w.text).collect()
}

/// Pure: only the `-c NAME=VALUE` pairs of docker's options (`--health-cmd pg_isready -c
/// wal_level=logical`): the other options are docker's own, not the server's.
pub fn postgres_pairs(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        let pair = if word == "-c" { iter.next().cloned() } else { word.strip_prefix("-c").map(str::to_string) };
        if let Some(pair) = pair.filter(|p| p.contains('=') && !p.starts_with('-')) {
            out.extend(["-c".to_string(), pair]);
        }
    }
    out
}

/// Pure: the settings a server command line sets, and comments on what was left out.
pub fn settings(store: Store, command: &[String]) -> (Vec<(String, String)>, Vec<String>) {
    let mut found = Vec::new();
    let mut notes = Vec::new();
    match store.detect().server_args {
        ServerArgs::Postgres => {
            for pair in postgres_pairs(command).chunks(2) {
                if let Some((key, value)) = pair[1].split_once('=') {
                    found.push((key.trim().to_string(), value.trim().to_string()));
                }
            }
        }
        ServerArgs::Mysql => {
            for word in command {
                let Some((key, value)) = word.strip_prefix("--").and_then(|w| w.split_once('=')) else {
                    continue;
                };
                if store.refused_options().iter().any(|r| r.replace('-', "_") == key.replace('-', "_")) {
                    notes.push(format!("--{key}={value} is left out: devup's {} refuses it", store.recipe()));
                } else {
                    found.push((key.to_string(), value.to_string()));
                }
            }
        }
        // `redis-server --appendonly yes`: each option and its value as two words.
        ServerArgs::Redis => {
            let mut iter = command.iter().peekable();
            while let Some(word) = iter.next() {
                if let Some(key) = word.strip_prefix("--")
                    && let Some(value) = iter.next_if(|v| !v.starts_with("--"))
                {
                    found.push((key.to_string(), value.clone()));
                }
            }
        }
        ServerArgs::None => {}
    }
    found.retain(|(key, value)| is_setting_name(key) && !value.is_empty());
    (found, notes)
}

/// A server setting's name: `wal_level`, `character-set-server`, `auto_explain.log_min_duration`.
pub fn is_setting_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn splitting_words() {
        assert_eq!(
            w(r#"postgres -c "max_connections=200"  -c 'a=b c'"#),
            ["postgres", "-c", "max_connections=200", "-c", "a=b c"]
        );
        assert_eq!(w(""), Vec::<String>::new());
        assert_eq!(w("x ''"), ["x", ""]);
    }

    #[test]
    fn postgres_flags_among_docker_options() {
        let options = w("--health-cmd pg_isready --health-interval 10s -c wal_level=logical -cfsync=off -c 512");
        assert_eq!(postgres_pairs(&options), ["-c", "wal_level=logical", "-c", "fsync=off"]);
        let (found, _) = settings(Store::postgres(), &options);
        assert_eq!(found, [("wal_level".into(), "logical".into()), ("fsync".into(), "off".into())]);
    }

    #[test]
    fn mysql_options() {
        let command = w(
            "mysqld --character-set-server=utf8mb4 --default-authentication-plugin=mysql_native_password --skip-name-resolve",
        );
        let (found, notes) = settings(Store::mysql(), &command);
        assert_eq!(found, [("character-set-server".to_string(), "utf8mb4".to_string())]);
        assert!(notes[0].contains("default-authentication-plugin"));
        let (found, _) = settings(Store::redis(), &w("redis-server --appendonly yes --save ''"));
        assert_eq!(found, [("appendonly".to_string(), "yes".to_string())]);
    }
}
