//! Per-project servers, with a small fake server (python3) standing in for a datastore:
//! started in the background, found by its pid file and probe, restarted after a crash or a
//! configuration change, stopped by `devup down`. Real postgres and redis run in tests/e2e.

use std::net::TcpListener;

use crate::support::Sandbox;

/// Listens on the port, writes its pid, and records the configuration it started with.
pub(crate) const SERVER: &str = r#"
import os, socket, sys
port, data = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen()
conf = open(os.path.join(data, "fake.conf")).read()
open(os.path.join(data, "loaded"), "w").write(conf)
# As postgres does with its socket's lock: refuse to start beside a lock whose process exists.
lock = os.path.join(data, "lock")
if os.path.exists(lock):
    try:
        os.kill(int(open(lock).read().split()[0]), 0)
        sys.exit("lock file %s names a process that still exists" % lock)
    except ProcessLookupError:
        pass
open(lock, "w").write(str(os.getpid()) + "\n")
open(os.path.join(data, "pid"), "w").write(str(os.getpid()) + "\n")
while True:
    c, _ = s.accept()
    c.close()
"#;

pub(crate) fn recipe(port: u16) -> String {
    format!(
        r#"
description = "a fake server"
[params.settings]
type = "table"
default = {{}}
line = "{{key}}={{value}}"
[params.port]
type = "port"
default = 0
preferred = {port}
owner = "{{project.data}}/fake/pid"
[env]
FAKE_URL = "fake://127.0.0.1:{{port}}"

[[step]]
id = "server"
kind = "service"
name = "fake"
data = "{{project.data}}/fake"
start = "setsid python3 {{project.dir}}/server.py {{port}} {{project.data}}/fake > {{project.data}}/fake/log 2>&1 < /dev/null &"
# A clean stop leaves no lock, as postgres's does, and waits until the server is gone (a
# zombie counts as gone), as `pg_ctl stop -w` does: else the next start's probe could reach
# the old server still listening.
stop = "pid=$(cat {{project.data}}/fake/pid) && kill $pid && for i in $(seq 200); do s=$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null) || break; [ \"$s\" = Z ] && break; sleep 0.05; done; rm {{project.data}}/fake/pid {{project.data}}/fake/lock"
pid_file = "pid"
lock_files = ["lock"]
log = "log"
probe = {{ protocol = "tcp", port = "{{port}}" }}
config = [{{ path = "fake.conf", content = "{{settings}}\n" }}]
timeout = 10
"#
    )
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A sandbox whose fake server is stopped when the test ends, whatever happens.
struct Project {
    sb: Sandbox,
}

impl Drop for Project {
    fn drop(&mut self) {
        let dirs = std::fs::read_dir(self.sb.data_dir().join("projects"));
        if let Some(Ok(dir)) = dirs.ok().and_then(|mut d| d.next())
            && let Ok(pid) = std::fs::read_to_string(dir.path().join("fake/pid"))
        {
            let _ = std::process::Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
    }
}

fn project(settings: &str) -> Project {
    let sb = Sandbox::new()
        .manifest(&format!("[datastores]\nfake = {{ settings = {{ {settings} }} }}\n"))
        .file(".devup/recipes/datastores/fake.toml", &recipe(free_port()))
        .file("server.py", SERVER);
    Project { sb }
}

fn data_file(sb: &Sandbox, name: &str) -> String {
    let dir = std::fs::read_dir(sb.data_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    std::fs::read_to_string(dir.join("fake").join(name)).unwrap_or_default()
}

#[test]
fn starts_restarts_after_a_crash_and_after_a_config_change_then_stops() {
    let p = project("mode = \"one\"");
    let sb = &p.sb;
    sb.devup(&["--yes"]).code(0);
    assert_eq!(data_file(sb, "loaded"), "mode=one\n");
    assert_eq!(sb.devup(&[]).code(0).summary(), (1, 0, 0, 0));

    // A crash: the process is gone, its pid file stays.
    let pid = data_file(sb, "pid");
    std::process::Command::new("kill").arg("-9").arg(pid.trim()).status().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    sb.devup(&["plan"]).code(2).stdout_has("not running: it stopped or crashed (stale pid file");
    sb.devup(&["--yes"]).code(0);
    assert_ne!(data_file(sb, "pid"), pid);

    // A changed setting: the server has no reload, so it is restarted with the new file.
    sb.write("devup.toml", "[datastores]\nfake = { settings = { mode = \"two\" } }\n");
    sb.devup(&["plan"])
        .code(2)
        .stdout_has("running with an older fake.conf")
        .stdout_has("write the new configuration and restart fake");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(data_file(sb, "loaded"), "mode=two\n");

    let env = sb.devup(&["env", "--format", "json"]);
    assert!(env.json()["env"]["FAKE_URL"].as_str().unwrap().starts_with("fake://127.0.0.1:"));
    sb.devup(&["status"]).code(0).stdout_has("datastores.fake.server  ok");
    sb.devup(&["down"]).code(0).stderr_has("stopped datastores.fake.server");
    sb.devup(&["status"]).code(2).stdout_has("not running");
    sb.devup(&["down"]).code(0).stderr_has("was not running");
}

/// A killed server whose process nobody reaps stays a zombie, and its lock files name a pid
/// that still exists: devup sees the server down, and clears what it left before starting it.
#[test]
fn a_crashed_server_whose_process_is_a_zombie_starts_again() {
    let p = project("mode = \"z\"");
    let sb = &p.sb;
    sb.devup(&["--yes"]).code(0);
    let pid = data_file(sb, "pid");
    std::process::Command::new("kill").arg("-9").arg(pid.trim()).status().unwrap();
    // This test's own child, never waited for: a zombie, as a killed server is on a host whose
    // PID 1 does not reap orphans. Its pid stands in the crashed server's files.
    let zombie = std::process::Command::new("true").spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let dir = std::fs::read_dir(sb.data_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    for file in ["pid", "lock"] {
        std::fs::write(dir.join("fake").join(file), format!("{}\n", zombie.id())).unwrap();
    }
    sb.devup(&["plan"]).code(2).stdout_has("not running");
    sb.devup(&["--yes"]).code(0);
    assert_ne!(data_file(sb, "pid").trim(), zombie.id().to_string());
    drop(zombie);
}

/// A person's edit of a server's configuration file follows the rule of every file devup
/// writes: kept and reported (the server runs with it), replaced only with --replace-files,
/// which keeps a backup.
#[test]
fn an_edited_configuration_file_is_kept_until_replace_files_backs_it_up() {
    let p = project("mode = \"one\"");
    let sb = &p.sb;
    sb.devup(&["--yes"]).code(0);
    let dir = std::fs::read_dir(sb.data_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    let conf = dir.join("fake/fake.conf");
    std::fs::write(&conf, "mode=mine\n").unwrap();
    sb.devup(&["plan"])
        .code(2)
        .stdout_has("fake.conf edited by hand")
        .stdout_has("was edited by hand and is kept (`devup up --replace-files` replaces it");
    sb.devup(&["--yes"]).code(1).stderr_has("differs from what devup wrote; it was kept as it is");
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "mode=mine\n");
    sb.devup(&["status"]).code(2).stdout_has("fake.conf edited by hand");

    sb.devup(&["--yes", "--replace-files"]).code(0);
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "mode=one\n");
    assert_eq!(std::fs::read_to_string(dir.join("fake/fake.conf.devup-backup")).unwrap(), "mode=mine\n");
    assert_eq!(data_file(sb, "loaded"), "mode=one\n", "restarted with devup's configuration");
    sb.devup(&["plan"]).code(0);
}

#[test]
fn a_server_that_never_answers_fails_with_the_end_of_its_log() {
    let p = project("mode = \"x\"");
    let sb = &p.sb;
    sb.write("server.py", "import sys\nprint('cannot bind: permission denied', file=sys.stderr)\nsys.exit(1)\n");
    let run = sb.devup(&["--yes"]);
    run.code(1).stderr_has("fake did not answer within 10s").stderr_has("cannot bind: permission denied");
}

/// `init` fills a directory of its own that becomes the data directory only once it succeeded:
/// an init that dies halfway (here: it writes the marker, then fails, as an initdb killed in
/// its last phase would) leaves no data directory that passes for initialized.
#[test]
fn an_init_that_dies_halfway_leaves_nothing_that_passes_for_initialized() {
    let port = free_port();
    let recipe = format!(
        r#"
description = "a fake server with an init"
[params.port]
type = "port"
default = 0
preferred = {port}
owner = "{{project.data}}/fake/pid"

[[step]]
id = "server"
kind = "service"
name = "fake"
data = "{{project.data}}/fake"
initialized = "VERSION"
init = "echo 1 > \"$DEVUP_INIT_DIR/VERSION\" && echo half > \"$DEVUP_INIT_DIR/fake.conf\" && test -f {{project.dir}}/init-works"
start = "setsid python3 {{project.dir}}/server.py {{port}} {{project.data}}/fake > {{project.data}}/fake/log 2>&1 < /dev/null &"
pid_file = "pid"
log = "log"
probe = {{ protocol = "tcp", port = "{{port}}" }}
timeout = 10
"#
    );
    let sb = Sandbox::new()
        .manifest("[datastores]\nfake = {}\n")
        .file(".devup/recipes/datastores/fake.toml", &recipe)
        .file("server.py", SERVER);
    let p = Project { sb };
    let sb = &p.sb;
    let fake_dir = || std::fs::read_dir(sb.data_dir().join("projects")).unwrap().next().unwrap().unwrap().path();

    sb.devup(&["--yes"]).code(1).stderr_has("initializing fake failed");
    assert!(!fake_dir().join("fake/VERSION").exists(), "a failed init leaves no marker in the data directory");
    assert!(fake_dir().join("fake.devup-init/VERSION").exists(), "what the failed init made is set apart");
    sb.devup(&["plan"]).code(2).stdout_has("not initialized (no VERSION in");

    // The next run starts the init afresh, in a clean directory.
    sb.write("init-works", "");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(std::fs::read_to_string(fake_dir().join("fake/fake.conf")).unwrap(), "half\n");
    assert!(!fake_dir().join("fake.devup-init").exists());
    assert_eq!(sb.devup(&[]).code(0).summary(), (1, 0, 0, 0));
}

/// A data directory that holds files but was never initialized is not devup's to clear.
#[test]
fn files_in_an_uninitialized_data_directory_are_kept_and_named() {
    let port = free_port();
    let p = project("mode = \"x\"");
    let sb = &p.sb;
    let init =
        "initialized = \"VERSION\"\ninit = \"test -f {project.dir}/go && echo 1 > \\\"$DEVUP_INIT_DIR/VERSION\\\"\"";
    let recipe = recipe(port).replace("pid_file = ", &format!("{init}\npid_file = "));
    sb.write(".devup/recipes/datastores/fake.toml", &recipe);
    sb.devup(&["--yes"]).code(1).stderr_has("initializing fake failed");
    let dir = std::fs::read_dir(sb.data_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    std::fs::create_dir_all(dir.join("fake")).unwrap();
    std::fs::write(dir.join("fake/precious"), "data").unwrap();
    sb.write("go", "");
    sb.devup(&["--yes"])
        .code(1)
        .stderr_has("holds files but is not an initialized fake data directory (no VERSION); devup never deletes data")
        .stderr_has("move the directory away");
    assert_eq!(std::fs::read_to_string(dir.join("fake/precious")).unwrap(), "data");
}

/// `mode = "system"` picks the recipe's variant for the machine's shared server, started the
/// machine's way (here `service`, a stub that starts the fake server): devup starts it when it
/// does not answer, and `devup down` leaves it alone.
#[test]
fn a_system_mode_starts_the_machines_server_and_never_stops_it() {
    let port = free_port();
    let project_recipe = recipe(port).replace(
        "[params.settings]",
        "[params.mode]\ntype = \"string\"\ndefault = \"project\"\nchoices = [\"project\", \"system\"]\nvariants = { system = \"fake-system\" }\n\n[params.settings]",
    );
    let system_recipe = format!(
        r#"
description = "the machine's fake server"
[params.mode]
type = "string"
default = "system"
[env]
FAKE_URL = "fake://127.0.0.1:{port}"

[[step]]
id = "server"
kind = "system-service"
name = "fake"
unit = {{ apt = "fake-server", dnf = "fake" }}
probe = {{ protocol = "tcp", port = "{port}" }}
timeout = 10
"#
    );
    let sb = Sandbox::new()
        .manifest("[datastores]\nfake = { mode = \"system\" }\n")
        .file(".devup/recipes/datastores/fake.toml", &project_recipe)
        .file(".devup/recipes/datastores/fake-system.toml", &system_recipe)
        .file("server.py", SERVER)
        .stub(
            "service",
            &format!(
                "mkdir -p \"$PWD/machine\" && echo > \"$PWD/machine/fake.conf\" && setsid python3 \"$PWD/server.py\" {port} \"$PWD/machine\" > /dev/null 2>&1 < /dev/null &"
            ),
        )
        // Not root: devup would go through `sudo -n`; this one runs the command as it is.
        .stub("sudo", "while [ \"${1#-}\" != \"$1\" ]; do shift; done; exec \"$@\"");
    let p = Machine { sb };
    let sb = &p.sb;
    sb.devup(&["plan"]).code(2).stdout_has("start the machine's fake: `service fake-server start`");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("service"), ["fake-server start"]);
    assert_eq!(sb.devup(&[]).code(0).summary(), (1, 0, 0, 0));
    sb.devup(&["down"])
        .code(0)
        .stderr_has("left datastores.fake.server running: the machine's own, shared with other projects")
        .stderr_has("0 stopped");
    assert_eq!(sb.devup(&[]).code(0).summary(), (1, 0, 0, 0), "the machine's server still runs");

    sb.write("devup.toml", "[datastores]\nfake = { mode = \"sytem\" }\n");
    sb.devup(&["plan"])
        .code(3)
        .stderr_has("devup.toml:2:")
        .stderr_has("`sytem` is not one of: project, system (did you mean `system`?)");
}

/// Stops the fake "machine" server a test started through its `service` stub.
struct Machine {
    sb: Sandbox,
}

impl Drop for Machine {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.sb.path("machine/pid")) {
            let _ = std::process::Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
    }
}

/// `devup down` stops a server with the command the project resolved, which the user's PATH
/// need not find (Debian's pg_ctl is in /usr/lib/postgresql/15/bin).
#[test]
fn down_stops_a_server_with_the_projects_own_tools() {
    let p = project("mode = \"x\"");
    let sb = &p.sb;
    let ctl = sb.project().parent().unwrap().join("home/fakectl/bin/devup-fakectl");
    std::fs::create_dir_all(ctl.parent().unwrap()).unwrap();
    std::fs::write(&ctl, "#!/bin/sh\ncase \"$1\" in\n--version) echo devup-fakectl 1.0.0 ;;\nstop) kill \"$(cat \"$2\")\" && rm \"$2\" ;;\nesac\n")
        .unwrap();
    std::fs::set_permissions(&ctl, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let stop = "stop = \"devup-fakectl stop {project.data}/fake/pid\"\nrequires = [\"ctl\"]";
    let recipe = recipe(free_port())
        .lines()
        .map(|line| if line.starts_with("stop = ") { stop } else { line })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "[[step]]\nid = \"server\"",
            "[[step]]\nid = \"ctl\"\nkind = \"binary\"\ncommand = \"devup-fakectl\"\nversion = \"1\"\npaths = [\"~/fakectl/bin\"]\n\n[[step]]\nid = \"server\"",
        );
    assert!(recipe.contains("requires = [\"ctl\"]") && recipe.contains("id = \"ctl\""), "{recipe}");
    sb.write(".devup/recipes/datastores/fake.toml", &recipe);
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["down"]).code(0).stderr_has("stopped datastores.fake.server");
    sb.devup(&["status"]).code(2).stdout_has("not running");
}
