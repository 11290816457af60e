//! The built-in mysql recipes' accounts: what their commands send a server, run against a stub
//! `mysql` that answers the query for a user's accounts and records the rest. A real MariaDB
//! runs them in tests/e2e (datastores-memcached-mysql, datastores-system-mysql).

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;
use crate::diagnostic::Source;

/// The built-in recipes' steps for `entry` (under `[datastores]`), devup running as `user`.
fn expand_as(user: &str, entry: &str) -> Expansion {
    expand_in(Path::new("/data"), user, entry)
}

fn expand_in(data: &Path, user: &str, entry: &str) -> Expansion {
    let dir = tempfile::tempdir().unwrap();
    let manifest =
        crate::manifest::parse(dir.path().to_path_buf(), Source::new("devup.toml", format!("[datastores]\n{entry}\n")))
            .unwrap();
    let library = Library::new(None, None, resources::kind_names());
    let facts = Facts { root: user == "root", user: user.to_string(), ..Facts::for_tests() };
    let ports = BTreeMap::new();
    let inputs =
        Inputs { state: Path::new("/state"), data, home: None, recorded_ports: &ports, placeholder_ports: None };
    expand(&manifest, &library, &facts, &inputs).unwrap()
}

fn step<'a>(out: &'a Expansion, id: &str) -> &'a Step {
    out.steps.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no step {id}"))
}

/// What `command` sent to `mysql`: each call's arguments, and the SQL given on stdin. The stub
/// prints `accounts` for the query of a user's accounts, and refuses `-u` of anyone in
/// `refused` (an account the server does not know yet).
struct Sent {
    calls: Vec<String>,
    sql: String,
}

fn run(command: &str, password: &str, accounts: &str, refused: &[&str]) -> Sent {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::create_dir(&log).unwrap();
    std::fs::write(log.join("accounts"), accounts).unwrap();
    let stub = dir.path().join("mysql");
    let refuse: String = refused.iter().map(|u| format!("  *\"-u {u} \"*) exit 1 ;;\n")).collect();
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}/calls'\ncase \"$*\" in\n{refuse}  *'SELECT QUOTE(Host)'*) cat '{log}/accounts' ;;\n  *' -e '*) ;;\n  *) cat >> '{log}/sql' ;;\nesac\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .env("DEVUP_USER_PASSWORD", password)
        // The project's environment names its server over TCP; devup's commands must not follow it.
        .env("MYSQL_HOST", "127.0.0.1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}\n{}", String::from_utf8_lossy(&out.stderr));
    let read = |name: &str| std::fs::read_to_string(log.join(name)).unwrap_or_default();
    Sent { calls: read("calls").lines().map(str::to_string).collect(), sql: read("sql") }
}

const SOCKET: &str = "-h localhost -S /data/mysql/mysqld.sock";

/// Issue: `users = [{ name = "root", password = "root" }]` made `'root'@'%'` alone, and a client
/// over the socket (or TCP from this machine) was `'root'@'localhost'`, without the password.
#[test]
fn a_declared_root_gets_its_password_on_every_account_and_keeps_devups_socket() {
    let out = expand_as(
        "root",
        "mysql = { port = 3390, databases = [\"app_dev\"], users = [{ name = \"root\", password = \"it's \\\\ x\" }] }",
    );
    let user = step(&out, "datastores.mysql.user[root]");
    let command = &user.resource.commands()[0];
    assert!(!command.contains("it's"), "the password is never on a command line: {command}");
    // The server's own, as its install makes them: localhost known by the socket (devup's way in).
    let accounts = "'localhost'\t1\n'127.0.0.1'\t0\n'::1'\t0\n'%'\t0\n";
    let sent = run(command, "it's \\ x", accounts, &[]);
    let pw = "'it''s \\\\ x'";
    for line in [
        format!(
            "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD({pw});"
        ),
        format!("ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY {pw};"),
        format!("ALTER USER 'root'@'::1' IDENTIFIED BY {pw};"),
        format!("ALTER USER 'root'@'%' IDENTIFIED BY {pw};"),
        "GRANT ALL PRIVILEGES ON `app_dev`.* TO 'root'@'%';".to_string(),
        "GRANT ALL PRIVILEGES ON `app_dev`.* TO 'root'@'localhost';".to_string(),
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;".to_string(),
    ] {
        assert!(sent.sql.lines().any(|l| l == line), "missing {line} in:\n{}", sent.sql);
    }
    assert!(
        sent.calls[0].contains("CREATE USER IF NOT EXISTS 'root'@'%'; CREATE USER IF NOT EXISTS 'root'@'localhost';")
    );
    for call in &sent.calls {
        assert!(call.contains(&format!("{SOCKET} -u root")), "devup connects over the socket as itself: {call}");
        assert!(!call.contains("it's"), "{call}");
    }
}

#[test]
fn a_declared_user_gets_both_accounts_and_only_the_declared_databases() {
    let out = expand_as(
        "dev",
        "mysql = { port = 3390, databases = [\"a\", \"b\"], users = [{ name = \"app\", password = \"pw\" }] }",
    );
    let command = &step(&out, "datastores.mysql.user[app]").resource.commands()[0];
    let sent = run(command, "pw", "'%'\t0\n'localhost'\t0\n", &[]);
    assert_eq!(
        sent.sql,
        "ALTER USER 'app'@'%' IDENTIFIED BY 'pw';\nALTER USER 'app'@'localhost' IDENTIFIED BY 'pw';\n\
         GRANT ALL PRIVILEGES ON `a`.* TO 'app'@'%';\nGRANT ALL PRIVILEGES ON `a`.* TO 'app'@'localhost';\n\
         GRANT ALL PRIVILEGES ON `b`.* TO 'app'@'%';\nGRANT ALL PRIVILEGES ON `b`.* TO 'app'@'localhost';\n"
    );
    assert!(sent.calls.iter().all(|c| c.contains(&format!("{SOCKET} -u dev"))), "{:?}", sent.calls);
    // The probe asks for both accounts.
    let probe = step(&out, "datastores.mysql.user[app]").resource.describe();
    assert_eq!(probe, "user app (its accounts on localhost and %)");
}

/// devup's own way in: the account it runs as, known by the socket, made the old way (root
/// without a password) on a server an older devup made, keeping root's password as it was.
#[test]
fn devup_administers_the_server_as_itself_over_the_socket() {
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir(data.path().join("mysql")).unwrap();
    let entry = "mysql = { port = 3390, databases = [\"app_dev\"], users = [{ name = \"app\" }] }";
    let out = expand_in(data.path(), "dev", entry);
    let index = |id: &str| out.steps.iter().position(|s| s.id == id).unwrap_or_else(|| panic!("no step {id}"));
    let admin = index("datastores.mysql.admin");
    assert!(out.steps[admin].requires.contains(&index("datastores.mysql.server")));
    assert!(out.steps[index("datastores.mysql.database[app_dev]")].requires.contains(&admin));
    let sent = run(&out.steps[admin].resource.commands()[0], "", "", &["dev"]);
    let socket = format!("-h localhost -S {}/mysql/mysqld.sock", data.path().display());
    let last = sent.calls.last().unwrap();
    assert!(last.starts_with(&format!("--no-defaults {socket} -u root")), "{:?}", sent.calls);
    assert!(
        sent.sql.contains("CREATE USER IF NOT EXISTS 'dev'@'localhost' IDENTIFIED VIA unix_socket;"),
        "{}",
        sent.sql
    );
    assert!(sent.sql.contains("ALTER USER ''dev''@''localhost'' IDENTIFIED VIA unix_socket OR ', @had)"));
    assert!(sent.sql.contains("GRANT ALL PRIVILEGES ON *.* TO 'dev'@'localhost' WITH GRANT OPTION;"));
    // What it did is recorded beside the data, which answers the check without a client.
    assert_eq!(std::fs::read_to_string(data.path().join("mysql/devup-admin")).unwrap(), "account dev\n");
    let sb = crate::resources::testing::Sandbox::new();
    assert!(matches!(sb.check(out.steps[admin].resource.as_ref()), crate::step::Status::Satisfied));
    // Every command that reaches the server goes over its socket, as the account devup runs as;
    // none names root (whose password may be declared) or TCP.
    for step in &expand_as("dev", entry).steps {
        for command in step.resource.commands().iter().filter(|c| c.contains("mysql --no-defaults")) {
            assert!(!command.contains("127.0.0.1") && !command.contains("-P "), "{}: {command}", step.id);
            assert!(command.contains(SOCKET), "{}: {command}", step.id);
        }
    }
}

#[test]
fn on_the_machines_server_root_keeps_its_socket_beside_the_declared_password() {
    let out = expand_as("root", "mysql = { mode = \"system\", users = [{ name = \"root\", password = \"pw\" }] }");
    let command = &step(&out, "datastores.mysql.user[root]").resource.commands()[0];
    // Debian's root: `mysql_native_password USING 'invalid' OR unix_socket`.
    let sent = run(command, "pw", "'localhost'\t1\n'%'\t0\n", &[]);
    assert_eq!(
        sent.sql,
        "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('pw');\n\
         ALTER USER 'root'@'%' IDENTIFIED BY 'pw';\nGRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\n"
    );
    assert!(sent.calls.iter().all(|c| c.contains("-h localhost -S /run/mysqld/mysqld.sock")), "{:?}", sent.calls);
}
