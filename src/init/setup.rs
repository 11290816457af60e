//! What a CI job's scripts do to its database server before the tests: the databases they
//! create, the roles and users (`psql -c "CREATE ROLE app LOGIN PASSWORD 'app'"`,
//! `createuser -s app`), and the settings they change (`ALTER SYSTEM SET wal_level = logical`,
//! `sed -i ... postgresql.conf`, `echo "..." >> postgresql.conf`, `SET GLOBAL ...`), and the SQL
//! files they load (`psql -d app_test -f schema.sql`: PostgreSQL's `init_sql`). Each is added to
//! the datastore hints of the same file, so devup's server is set up the same way.

use super::accounts::Account;
use super::hints::{Datastore, Setting};
use super::script::{self, Command, Input, Line, Word};
use super::server_args::is_setting_name;
use super::service::{created_databases, is_plain_name};
use super::store::Store;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Setup {
    /// `None` when the line names no client.
    pub databases: Vec<(Option<Store>, String)>,
    pub settings: Vec<(Store, String, String)>,
    pub accounts: Vec<(Store, Account)>,
    /// Extensions created (`CREATE EXTENSION IF NOT EXISTS hstore`).
    pub extensions: Vec<(Store, String)>,
    /// SQL files loaded into PostgreSQL (`psql -f schema.sql`, `psql < schema.sql`), as the
    /// scripts name them (relative to the repository).
    pub sql_files: Vec<String>,
}

/// Pure: what the scripts do, each line as the shell reads it.
pub fn parse(script: &str) -> Setup {
    let mut setup = Setup { databases: created_databases(script), ..Setup::default() };
    for line in script::lines(script) {
        let Some(store) = Store::of_client_line(&line.text) else {
            continue;
        };
        let words: Vec<String> = line.words().into_iter().map(|w| w.text).collect();
        let commands = line.commands();
        // What a here-document feeds the client is SQL, read as `-c`'s is.
        let sql: Vec<String> = words.iter().chain(&line.heredocs).cloned().collect();
        for (key, value) in sql_settings(&sql).into_iter().chain(config_file_lines(&line, &words, &commands)) {
            if !setup.settings.iter().any(|(s, k, _)| *s == store && *k == key) {
                setup.settings.push((store, key, value));
            }
        }
        for extension in created_extensions(&sql) {
            if !setup.extensions.iter().any(|(s, e)| *s == store && *e == extension) {
                setup.extensions.push((store, extension));
            }
        }
        if store.takes_init_sql() {
            for file in loaded_files(&commands) {
                if !setup.sql_files.contains(&file) {
                    setup.sql_files.push(file);
                }
            }
        }
        for account in accounts(store, &sql, &words) {
            if !setup.accounts.iter().any(|(s, a)| *s == store && a.name == account.name) {
                setup.accounts.push((store, account));
            }
        }
    }
    setup
}

impl Setup {
    /// Adds what the scripts do to the hints of the servers they do it to.
    pub fn apply(&self, hints: &mut [Datastore]) {
        for hint in hints {
            for (store, db) in &self.databases {
                if store.is_none_or(|s| s == hint.store) && hint.store.has_databases() && !hint.databases.contains(db) {
                    hint.databases.push(db.clone());
                }
            }
            let refused = |key: &str| hint.store.refused_options().iter().any(|r| r.replace('-', "_") == key);
            for (_, key, value) in self.settings.iter().filter(|(s, k, _)| *s == hint.store && refused(k)) {
                hint.notes.push(format!(
                    "{key} = {value} is left out: devup's {} does not start with it",
                    hint.store.recipe()
                ));
            }
            let settings: toml::Table = self
                .settings
                .iter()
                .filter(|(s, k, _)| *s == hint.store && !refused(k))
                .map(|(_, k, v)| (k.clone(), toml::Value::String(v.clone())))
                .collect();
            if !settings.is_empty() {
                let text = settings
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", ");
                hint.settings.push(Setting {
                    param: "settings",
                    value: Some(toml::Value::Table(settings)),
                    text: format!("settings {text}"),
                });
            }
            let extensions = self.extensions.iter().filter(|(s, _)| *s == hint.store).map(|(_, e)| e.clone());
            add_extensions(hint, extensions.collect());
            for (_, account) in self.accounts.iter().filter(|(s, _)| *s == hint.store) {
                hint.settings.extend(account.setting(hint.store));
            }
            // One each: `init_sql_files` keeps the first the repository has.
            for file in self.sql_files.iter().filter(|_| hint.store.takes_init_sql()) {
                hint.settings.push(Setting {
                    param: "init_sql",
                    value: Some(toml::Value::String(file.clone())),
                    text: format!("loads {file}"),
                });
            }
        }
    }
}

/// Adds extensions to a hint's list, beside one an image brings (postgis): one `extensions`.
fn add_extensions(hint: &mut Datastore, extensions: Vec<String>) {
    if extensions.is_empty() {
        return;
    }
    let listed = hint.settings.iter().position(|s| s.param == "extensions");
    let mut names: Vec<String> = match listed.and_then(|i| hint.settings[i].value.as_ref()) {
        Some(toml::Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    for extension in extensions {
        if !names.contains(&extension) {
            names.push(extension);
        }
    }
    let setting = Setting {
        param: "extensions",
        value: Some(toml::Value::Array(names.iter().cloned().map(toml::Value::String).collect())),
        text: format!("extensions {}", names.join(", ")),
    };
    match listed {
        Some(i) => hint.settings[i] = setting,
        None => hint.settings.push(setting),
    }
}

/// Files a `psql` command reads SQL from: `-f FILE`, `--file=FILE`, `-fFILE`, `< FILE`, `cat
/// FILE | psql` (a here-document is SQL written in the script, no file). Only files of the
/// repository: a path that is absolute or that the shell computes is another machine's.
fn loaded_files(commands: &[Command]) -> Vec<String> {
    let mut found: Vec<Word> = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let words = &command.words;
        let Some(at) = words.iter().position(|w| w.text == "psql" || w.text.ends_with("/psql")) else {
            continue;
        };
        // `cat schema.sql | psql ...`
        if command.piped
            && let Some(cat) = i.checked_sub(1).map(|before| &commands[before].words)
            && cat.first().is_some_and(|w| w.text == "cat")
        {
            found.extend(cat[1..].iter().cloned());
        }
        let mut args = words[at + 1..].iter();
        while let Some(arg) = args.next() {
            match arg.text.as_str() {
                "-f" | "--file" => found.extend(args.next().cloned()),
                a => found.extend(
                    a.strip_prefix("--file=")
                        .or_else(|| a.strip_prefix("-f"))
                        .filter(|f| !f.is_empty())
                        .map(|f| Word { text: f.to_string(), ..arg.clone() }),
                ),
            }
        }
        if let Some(Input::File(file)) = &command.input {
            found.push(file.clone());
        }
    }
    found.retain(|f| f.literal && !f.text.starts_with(['/', '~', '-']) && !f.text.contains(['$', '{', '`']));
    found.iter().map(|f| f.text.trim_start_matches("./").to_string()).collect()
}

/// The SQL files the scripts load → `init_sql`, which is one file, run once in each database:
/// the first the repository has (a file an earlier step of the job makes cannot be read by
/// devup); the others are said in comments.
pub fn init_sql_files(repo: &super::repo::Repo, hints: &mut super::hints::Hints) {
    for hint in &mut hints.datastores {
        let files: Vec<String> = hint
            .settings
            .iter()
            .filter(|s| s.param == "init_sql")
            .filter_map(|s| s.value.as_ref().and_then(toml::Value::as_str).map(str::to_string))
            .collect();
        if files.is_empty() {
            continue;
        }
        let (present, missing): (Vec<String>, Vec<String>) = files.into_iter().partition(|f| repo.has(f));
        let chosen = hint
            .settings
            .iter()
            .position(|s| {
                s.param == "init_sql"
                    && s.value.as_ref().and_then(toml::Value::as_str) == present.first().map(String::as_str)
            })
            .map(|at| hint.settings.remove(at));
        hint.settings.retain(|s| s.param != "init_sql");
        hint.settings.extend(chosen);
        if let Some((chosen, rest)) = present.split_first()
            && !rest.is_empty()
        {
            let them = if rest.len() == 1 { "it" } else { "them" };
            hint.notes.push(format!(
                "the scripts also load {}: init_sql is one file; add {them} to {chosen} if the tests need {them}",
                rest.join(", ")
            ));
        }
        if !missing.is_empty() {
            hint.notes.push(format!(
                "the scripts load {}, which the repository does not have (an earlier step makes it?)",
                missing.join(", ")
            ));
        }
    }
}

/// The words of SQL statements in a line, quotes removed; a `;` ending a statement is a word
/// of its own, so that what a statement says is not taken for the next one's.
fn sql_words(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for word in words.iter().flat_map(|w| w.split_whitespace()) {
        let bare = word.trim_matches(|c: char| matches!(c, ';' | '\'' | '"' | '`'));
        if !bare.is_empty() {
            out.push(bare.to_string());
        }
        if word.ends_with(';') {
            out.push(";".to_string());
        }
    }
    out
}

/// `CREATE EXTENSION [IF NOT EXISTS] hstore`: the extensions, by name.
fn created_extensions(words: &[String]) -> Vec<String> {
    let words = sql_words(words);
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut found = Vec::new();
    for i in 1..lower.len() {
        if lower[i - 1] != "create" || lower[i] != "extension" {
            continue;
        }
        let mut at = i + 1;
        if lower.get(at..at + 3).is_some_and(|w| w == ["if", "not", "exists"]) {
            at += 3;
        }
        if let Some(name) = words.get(at).map(|n| n.trim_matches('"'))
            && is_plain_name(name)
            && !found.iter().any(|f| f == name)
        {
            found.push(name.to_string());
        }
    }
    found
}

/// `ALTER SYSTEM SET wal_level = logical` (PostgreSQL), `SET GLOBAL max_connections = 500`
/// (MySQL). The value keeps its case; a quoted value loses its quotes.
fn sql_settings(words: &[String]) -> Vec<(String, String)> {
    let words = sql_words(words);
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut found = Vec::new();
    for i in 0..lower.len() {
        let prev = if i > 0 { lower[i - 1].as_str() } else { "" };
        let key_at = match (prev, lower[i].as_str()) {
            ("system", "set") | ("set", "global") => i + 1,
            _ => continue,
        };
        let Some(key) = words.get(key_at) else {
            continue;
        };
        // `name = value`, `name TO value`, `name=value`.
        let (key, value) = match key.split_once('=') {
            Some((k, v)) if !v.is_empty() => (k.to_string(), Some(v.to_string())),
            Some((k, _)) => (k.to_string(), words.get(key_at + 1).cloned()),
            None => match lower.get(key_at + 1).map(String::as_str) {
                Some("=" | "to") => (key.clone(), words.get(key_at + 2).cloned()),
                _ => (key.clone(), words.get(key_at + 1).and_then(|w| w.strip_prefix('=')).map(str::to_string)),
            },
        };
        if let Some(value) = value.filter(|v| !v.is_empty() && v != ";")
            && is_setting_name(&key)
        {
            found.push((key.to_ascii_lowercase(), value));
        }
    }
    found
}

/// Lines written into postgresql.conf: `sed -i "s/#wal_level = replica/wal_level = logical/"
/// .../postgresql.conf` (the replacement), `echo "wal_level = logical" >> .../postgresql.conf`,
/// a here-document `cat >> .../postgresql.conf` or `tee -a .../postgresql.conf` reads.
fn config_file_lines(line: &Line, words: &[String], commands: &[Command]) -> Vec<(String, String)> {
    if !line.text.contains("postgresql.conf") {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let writes = command.outputs.iter().chain(&command.words).any(|w| w.text.ends_with("postgresql.conf"));
        // Its own here-document, or the one `cat <<EOF | tee -a ...` pipes into it.
        let reads = |c: &Command| match &c.input {
            Some(Input::Text(text)) => Some(text.clone()),
            _ => None,
        };
        let text = reads(command)
            .or_else(|| command.piped.then(|| i.checked_sub(1)).flatten().and_then(|b| reads(&commands[b])));
        if writes && let Some(text) = text {
            found.extend(text.lines().filter_map(conf_line));
        }
    }
    if words.iter().any(|w| w.ends_with("sed")) {
        for word in words {
            let mut chars = word.chars();
            let (Some('s'), Some(delim)) = (chars.next(), chars.next()) else {
                continue;
            };
            if delim.is_alphanumeric() || delim.is_whitespace() {
                continue;
            }
            let parts: Vec<&str> = word[1 + delim.len_utf8()..].split(delim).collect();
            if let Some(replacement) = parts.get(1) {
                found.extend(conf_line(replacement));
            }
        }
    } else if let Some(at) = words.iter().position(|w| w == "echo" || w == "printf") {
        for word in &words[at + 1..] {
            if word.starts_with('>') || word == "|" {
                break;
            }
            found.extend(word.split("\\n").filter_map(conf_line));
        }
    }
    found
}

/// `wal_level = logical`, `max_connections=200`, `shared_preload_libraries = 'pg_stat_statements'`.
fn conf_line(text: &str) -> Option<(String, String)> {
    let text = text.split('#').next()?;
    let (key, value) = text.split_once('=')?;
    let (key, value) = (key.trim(), value.trim().trim_matches('\''));
    (is_setting_name(key) && !value.is_empty() && !value.contains(['\\', '&']))
        .then(|| (key.to_string(), value.to_string()))
}

/// A string literal's value, its quotes already gone: `pw`, or PostgreSQL's Unicode escapes
/// (`U&'IX-\2168'` → `IX-Ⅸ`); `None` for one it cannot read.
fn sql_string(word: &str) -> Option<String> {
    let Some(escaped) = word.strip_prefix("U&'").and_then(|w| w.strip_suffix('\'')) else {
        return Some(word.to_string());
    };
    let mut out = String::new();
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let digits: String = match chars.clone().next() {
            Some('\\') => {
                chars.next();
                out.push('\\');
                continue;
            }
            Some('+') => {
                chars.next();
                chars.by_ref().take(6).collect()
            }
            _ => chars.by_ref().take(4).collect(),
        };
        out.push(u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32)?);
    }
    Some(out)
}

/// `CREATE ROLE app WITH LOGIN CREATEDB PASSWORD 'pw'`, `CREATE USER 'app'@'%' IDENTIFIED BY
/// 'pw'` in `sql` (a line's words and the here-documents it feeds its client), `createuser -s
/// app` in `words`.
fn accounts(store: Store, sql: &[String], words: &[String]) -> Vec<Account> {
    let mut found = Vec::new();
    let sql = sql_words(sql);
    let lower: Vec<String> = sql.iter().map(|w| w.to_ascii_lowercase()).collect();
    for i in 0..lower.len() {
        if lower[i] != "create" || !matches!(lower.get(i + 1).map(String::as_str), Some("role" | "user")) {
            continue;
        }
        let mut at = i + 2;
        if lower.get(at).map(String::as_str) == Some("if") {
            at += 3;
        }
        // MySQL's `'app'@'%'` is one word once quotes are gone: `app@%`.
        let Some(name) = sql.get(at).map(|n| n.split('@').next().unwrap_or_default().trim_matches(['\'', '"', '`']))
        else {
            continue;
        };
        if !is_plain_name(name) || Some(name) == store.superuser_name() {
            continue;
        }
        let mut account = Account::named(name);
        let rest = &lower[at + 1..];
        let end = rest.iter().position(|w| w == "create" || w == ";").unwrap_or(rest.len());
        for (j, word) in rest[..end].iter().enumerate() {
            match word.as_str() {
                "superuser" => account.superuser = true,
                "createdb" => account.createdb = true,
                "password" | "by" => account.password = sql.get(at + 2 + j).and_then(|w| sql_string(w)),
                _ => {}
            }
        }
        found.push(account);
    }
    if let Some(at) = words.iter().position(|w| w == "createuser" || w.ends_with("/createuser")) {
        let mut account = Account::default();
        let mut args = words[at + 1..].iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-s" | "--superuser" => account.superuser = true,
                "-d" | "--createdb" => account.createdb = true,
                "-U" | "-h" | "-p" | "--username" | "--host" | "--port" => {
                    args.next();
                }
                a if a.starts_with('-') => {}
                name => {
                    account.name = name.to_string();
                    break;
                }
            }
        }
        if is_plain_name(&account.name) && Some(account.name.as_str()) != store.superuser_name() {
            found.push(account);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_unicode_escapes_is_its_text() {
        assert_eq!(sql_string("U&'IX-\\2168'").as_deref(), Some("IX-\u{2168}"));
        assert_eq!(sql_string("U&'a\\+01F600'").as_deref(), Some("a\u{1F600}"));
        assert_eq!(sql_string("plain").as_deref(), Some("plain"));
        assert_eq!(sql_string("U&'\\zz'"), None);
    }

    #[test]
    fn extensions_a_script_creates_join_the_servers_list() {
        let setup = parse(
            "psql app_test -c 'CREATE EXTENSION hstore;'\npsql -c 'create extension if not exists \"uuid-ossp\"; CREATE EXTENSION hstore'\necho 'CREATE EXTENSION nope'\n",
        );
        let names: Vec<&str> = setup.extensions.iter().map(|(_, e)| e.as_str()).collect();
        assert_eq!(names, ["hstore", "uuid-ossp"], "psql's, not echo's");
        let mut hint = crate::init::service::hint(
            "ci.yml",
            &crate::init::service::Service {
                name: "db".into(),
                image: "postgis/postgis:16".into(),
                ..Default::default()
            },
        )
        .unwrap();
        setup.apply(std::slice::from_mut(&mut hint));
        let lists: Vec<&Setting> = hint.settings.iter().filter(|s| s.param == "extensions").collect();
        assert_eq!(lists.len(), 1, "one list");
        assert_eq!(lists[0].text, "extensions postgis, hstore, uuid-ossp");
    }

    #[test]
    fn a_setting_the_server_does_not_start_with_is_a_note() {
        let setup = parse(
            "sudo sed -i 's/.*ssl = .*/ssl = on/' /etc/postgresql/16/main/postgresql.conf\nsudo sed -i 's/.*wal_level.*/wal_level = logical/' /etc/postgresql/16/main/postgresql.conf\n",
        );
        let mut hint = crate::init::service::hint(
            "ci.yml",
            &crate::init::service::Service { name: "db".into(), image: "postgres:16".into(), ..Default::default() },
        )
        .unwrap();
        setup.apply(std::slice::from_mut(&mut hint));
        assert_eq!(hint.settings[0].text, "settings wal_level = logical");
        assert!(
            hint.notes.contains(&"ssl = on is left out: devup's postgres does not start with it".to_string()),
            "{:?}",
            hint.notes
        );
    }

    #[test]
    fn a_continued_psql_line_creates_its_roles() {
        let setup = parse("psql \\\n  -c \"CREATE ROLE scram_test LOGIN PASSWORD 'test4scram'\"\n");
        assert_eq!(setup.accounts.len(), 1, "{setup:?}");
        assert_eq!(setup.accounts[0].1.password.as_deref(), Some("test4scram"));
    }

    fn settings(script: &str) -> Vec<(String, String)> {
        parse(script).settings.into_iter().map(|(_, k, v)| (k, v)).collect()
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn alter_system_and_set_global() {
        assert_eq!(
            settings(r#"psql -U postgres -c "ALTER SYSTEM SET wal_level = logical;""#),
            [pair("wal_level", "logical")]
        );
        assert_eq!(
            settings("psql -c \"alter system set max_wal_senders to '4'\"\npsql -c 'ALTER SYSTEM SET fsync=off'"),
            [pair("max_wal_senders", "4"), pair("fsync", "off")]
        );
        let setup = parse(r#"mysql -u root -e "SET GLOBAL sql_mode = 'STRICT_ALL_TABLES';""#);
        assert_eq!(setup.settings, [(Store::mysql(), "sql_mode".to_string(), "STRICT_ALL_TABLES".to_string())]);
        assert!(settings("echo SET GLOBAL x = 1").is_empty(), "no client, no server");
    }

    #[test]
    fn lines_written_into_postgresql_conf() {
        let script = "sudo sed -i \"s/#wal_level = replica/wal_level = logical/\" /etc/postgresql/14/main/postgresql.conf\n\
                      echo \"max_replication_slots = 4\" | sudo tee -a /etc/postgresql/14/main/postgresql.conf\n\
                      echo 'shared_preload_libraries = '\"'\"'pg_stat_statements'\"'\" >> $PGDATA/postgresql.conf\n\
                      sed -i 's|^port = .*|port = \\&|' postgresql.conf";
        assert_eq!(
            settings(script),
            [
                pair("wal_level", "logical"),
                pair("max_replication_slots", "4"),
                pair("shared_preload_libraries", "pg_stat_statements")
            ]
        );
    }

    #[test]
    fn roles_and_users() {
        let setup = parse(
            "psql -c \"CREATE ROLE shop WITH LOGIN CREATEDB PASSWORD 'shop-pw';\" -U postgres\n\
             createuser --superuser -U postgres admin\n\
             mysql -e \"CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app-pw';\"\n\
             psql -c 'create user postgres'",
        );
        let shop =
            Account { name: "shop".into(), password: Some("shop-pw".into()), createdb: true, ..Account::default() };
        let admin = Account { name: "admin".into(), superuser: true, ..Account::default() };
        let app = Account { name: "app".into(), password: Some("app-pw".into()), ..Account::default() };
        assert_eq!(setup.accounts, [(Store::postgres(), shop), (Store::postgres(), admin), (Store::mysql(), app)]);
    }

    #[test]
    fn applied_to_the_servers_they_name() {
        let setup = parse("psql -c 'CREATE DATABASE extra;'\npsql -c 'ALTER SYSTEM SET wal_level = logical'");
        let hint = |store| Datastore {
            store,
            file: ".travis.yml".into(),
            origin: "service".into(),
            version: None,
            databases: Vec::new(),
            settings: Vec::new(),
            notes: Vec::new(),
            weak: false,
        };
        let mut hints = [hint(Store::postgres()), hint(Store::redis())];
        setup.apply(&mut hints);
        assert_eq!(hints[0].databases, ["extra"]);
        assert_eq!(hints[0].settings[0].value.as_ref().unwrap().to_string(), "{ wal_level = \"logical\" }");
        assert!(hints[1].settings.is_empty() && hints[1].databases.is_empty());
    }

    #[test]
    fn here_documents_are_sql_not_files() {
        let script = "psql -AXqt \"host=localhost user=postgres\" << SQL\n\
                      CREATE ROLE app LOGIN;\n\
                      ALTER ROLE other PASSWORD 'not-apps';\n\
                      CREATE DATABASE app_test OWNER app;\n\
                      ALTER SYSTEM SET fsync = off;\n\
                      SQL\n\
                      psql -U postgres <<-'EOF'\n\
                      \tCREATE USER reader PASSWORD 'r';\n\
                      \tEOF\n\
                      psql -d app_test <db/seed.sql\n\
                      sudo tee -a /etc/postgresql/16/main/postgresql.conf > /dev/null <<EOF\n\
                      wal_level = logical\n\
                      EOF";
        let setup = parse(script);
        assert_eq!(setup.sql_files, ["db/seed.sql"], "`<<` and its delimiter name no file");
        assert_eq!(setup.databases, [(Some(Store::postgres()), "app_test".to_string())]);
        let accounts: Vec<(&str, Option<&str>)> =
            setup.accounts.iter().map(|(_, a)| (a.name.as_str(), a.password.as_deref())).collect();
        assert_eq!(accounts, [("app", None), ("reader", Some("r"))], "another statement's password is not app's");
        assert_eq!(settings(script), [pair("fsync", "off"), pair("wal_level", "logical")]);
    }

    #[test]
    fn sql_files_loaded_with_psql() {
        let setup = parse(
            "psql -U postgres -d app_test -f db/schema.sql\n\
             psql -U postgres app_test < ./db/seed.sql\n\
             cat db/views.sql | psql -U postgres app_test\n\
             psql --file=/tmp/generated.sql\n\
             psql -f $SCHEMA\n\
             mysql app < db/mysql.sql",
        );
        assert_eq!(setup.sql_files, ["db/schema.sql", "db/seed.sql", "db/views.sql"]);
        let mut hints = [Datastore {
            store: Store::postgres(),
            file: ".travis.yml".into(),
            origin: "service".into(),
            version: None,
            databases: Vec::new(),
            settings: Vec::new(),
            notes: Vec::new(),
            weak: false,
        }];
        setup.apply(&mut hints);
        let files: Vec<_> = hints[0].settings.iter().filter_map(|s| s.value.as_ref()?.as_str()).collect();
        assert_eq!(files, ["db/schema.sql", "db/seed.sql", "db/views.sql"], "one each, chosen among later");
    }
}
