//! The accounts a CI service or compose file asks its server for (`POSTGRES_USER` and
//! `POSTGRES_PASSWORD`, `MYSQL_USER` and `MYSQL_PASSWORD`...) → the recipe's `roles` or `users`,
//! so the tests log in as they do in CI.
//!
//! A password written in the CI file is copied as it is: it is a test value, already public
//! in the repository. One CI takes from its secret store (`${{ secrets.X }}`, a masked `$X`) is
//! never known here: the account is declared without it, and a comment says where CI gets it.

use super::hints::Setting;
use super::service::resolve;
use super::store::Store;

/// One account to create, as `roles = [...]` / `users = [...]` entries write it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub password: Option<String>,
    pub superuser: bool,
    pub createdb: bool,
}

impl Account {
    pub fn named(name: &str) -> Account {
        Account { name: name.to_string(), ..Account::default() }
    }

    /// The setting for `store`'s recipe: a role (PostgreSQL) or a user (MySQL).
    pub fn setting(&self, store: Store) -> Option<Setting> {
        let param = store.accounts_param()?;
        let mut table = toml::Table::new();
        table.insert("name".into(), toml::Value::String(self.name.clone()));
        if let Some(password) = self.password.as_ref().filter(|p| !p.is_empty()) {
            table.insert("password".into(), toml::Value::String(password.clone()));
        }
        // Privileges the recipe's accounts can have (MySQL's users get every privilege on the
        // declared databases, and have no such fields).
        for (field, wanted) in [("superuser", self.superuser), ("createdb", self.createdb)] {
            if wanted && store.account_takes(field) {
                table.insert(field.into(), toml::Value::Boolean(true));
            }
        }
        let kind = store.account_word();
        Some(Setting {
            param,
            value: Some(toml::Value::Array(vec![toml::Value::Table(table)])),
            text: format!("{kind} \"{}\"", self.name),
        })
    }
}

/// Pure: the settings and comments a service's environment gives.
pub fn from_env(store: Store, env: &[(String, String)]) -> (Vec<Setting>, Vec<String>) {
    let var = |names: &[String]| {
        names.iter().find_map(|name| env.iter().find(|(k, _)| k == name).map(|(k, v)| (k.as_str(), v.as_str())))
    };
    let mut settings = Vec::new();
    let mut notes = Vec::new();
    let user = var(store.user_vars()).map(|(name, value)| (name, resolve(value)));
    let password = var(store.password_vars()).map(|(name, value)| (name, value, resolve(value)));
    let superuser = store.superuser_name();
    match (user, password) {
        (Some((name, (_, false))), _) => {
            notes.push(format!("{name} is set by CI, not in the file: declare the account it names yourself"))
        }
        (Some((_, (user, true))), password) if !user.is_empty() && Some(user.as_str()) != superuser => {
            let mut account = Account::named(&user);
            // The official images make this account the server's superuser.
            account.superuser = true;
            match password {
                Some((_, _, (value, true))) => account.password = Some(value),
                Some((name, raw, _)) => notes.push(secret_note(name, raw, &format!("the account \"{user}\""))),
                None => {}
            }
            settings.extend(account.setting(store));
        }
        // The server's own superuser: devup's server has it, and trusts connections from
        // this machine, so whatever password the tests send is accepted.
        (_, Some((name, _, _))) if store.detect().password_note.is_some() => {
            notes.push(format!("{name}: {}", store.detect().password_note.as_deref().unwrap_or_default()))
        }
        _ => {}
    }
    // The server's root with the password CI gives it: the tests log in as root with it, over
    // the socket or TCP alike (the recipe gives it to every root account).
    if let Some(superuser) = superuser
        && let Some((name, raw)) = var(&store.detect().superuser_password_vars)
        && !raw.is_empty()
    {
        match resolve(raw) {
            (value, true) => {
                let account = Account { password: Some(value), ..Account::named(superuser) };
                settings.extend(account.setting(store));
            }
            _ => notes.push(format!(
                "{name} comes from {}: {superuser} keeps no password; add {{ name = \"{superuser}\", password = \"...\" }} \
                 to {} if the tests send one",
                source(raw),
                store.accounts_param().unwrap_or("the accounts")
            )),
        }
    }
    (settings, notes)
}

/// Where CI gets a value the file does not hold, as a comment.
pub fn secret_note(var: &str, raw: &str, whose: &str) -> String {
    format!(
        "{var} comes from {}: {whose} is declared without a password; add password = \"...\" to it if the tests send one",
        source(raw)
    )
}

/// Where CI gets a value: its secret store, or a variable.
fn source(raw: &str) -> String {
    match raw.split("secrets.").nth(1) {
        Some(rest) => {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            format!("CI's secret store (secrets.{name})")
        }
        None => format!("a CI variable (`{}`)", raw.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn value(setting: &Setting) -> String {
        setting.value.as_ref().unwrap().to_string()
    }

    #[test]
    fn a_postgres_role_with_its_plain_password() {
        let (settings, notes) =
            from_env(Store::postgres(), &env(&[("POSTGRES_USER", "shop"), ("POSTGRES_PASSWORD", "shop-pw")]));
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].param, "roles");
        assert_eq!(value(&settings[0]), r#"[{ name = "shop", password = "shop-pw", superuser = true }]"#);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_secret_password_is_a_comment() {
        let (settings, notes) = from_env(
            Store::postgres(),
            &env(&[("POSTGRES_USER", "shop"), ("POSTGRES_PASSWORD", "${{ secrets.DB_PASS }}")]),
        );
        assert_eq!(value(&settings[0]), r#"[{ name = "shop", superuser = true }]"#);
        assert!(notes[0].contains("secrets.DB_PASS"), "{notes:?}");
        assert!(notes[0].contains("password = \"...\""));
        let (_, notes) = from_env(Store::mysql(), &env(&[("MYSQL_USER", "app"), ("MYSQL_PASSWORD", "$DB_PASS")]));
        assert!(notes[0].contains("a CI variable (`$DB_PASS`)"), "{notes:?}");
    }

    #[test]
    fn the_superuser_needs_no_account() {
        let (settings, notes) =
            from_env(Store::postgres(), &env(&[("POSTGRES_USER", "postgres"), ("POSTGRES_PASSWORD", "x")]));
        assert!(settings.is_empty());
        assert!(notes[0].contains("trusts"));
        let (settings, notes) = from_env(Store::postgres(), &env(&[("POSTGRES_HOST_AUTH_METHOD", "trust")]));
        assert!(settings.is_empty() && notes.is_empty());
    }

    #[test]
    fn mysql_and_mariadb_users() {
        let (settings, notes) = from_env(
            Store::mysql(),
            &env(&[("MARIADB_USER", "app"), ("MARIADB_PASSWORD", "app"), ("MARIADB_ROOT_PASSWORD", "root")]),
        );
        assert_eq!(settings[0].param, "users");
        assert_eq!(value(&settings[0]), r#"[{ name = "app", password = "app" }]"#);
        assert_eq!(value(&settings[1]), r#"[{ name = "root", password = "root" }]"#);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(from_env(Store::redis(), &env(&[("POSTGRES_USER", "x")])).0.is_empty());
    }

    /// The tests log in as root with the password CI gives it: devup's root gets it too.
    #[test]
    fn mysql_root_with_the_password_ci_gives_it() {
        let (settings, notes) = from_env(Store::mysql(), &env(&[("MYSQL_ROOT_PASSWORD", "root")]));
        assert_eq!(value(&settings[0]), r#"[{ name = "root", password = "root" }]"#);
        assert!(notes.is_empty(), "{notes:?}");
        let (settings, notes) = from_env(Store::mysql(), &env(&[("MYSQL_ROOT_PASSWORD", "${{ secrets.ROOT_PW }}")]));
        assert!(settings.is_empty());
        assert_eq!(
            notes,
            ["MYSQL_ROOT_PASSWORD comes from CI's secret store (secrets.ROOT_PW): root keeps no password; \
                 add { name = \"root\", password = \"...\" } to users if the tests send one"]
        );
        assert!(from_env(Store::mysql(), &env(&[("MYSQL_ROOT_PASSWORD", "")])).0.is_empty());
    }
}
