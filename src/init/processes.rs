//! Servers a project starts outside CI files: a Procfile's processes (`cache: redis-server
//! --port 6380`, as foreman, overmind and honcho run them) and a Makefile's recipes
//! (`docker run -d -p 5432:5432 postgres:16` in a `services` target), read like CI services,
//! with what those recipes do to them (`psql -c 'CREATE DATABASE app_test'`).

use super::hints::Hints;
use super::repo::Repo;
use super::server_args::words;
use super::service::{self, Port, Service};
use super::setup;
use super::store::Store;

const PROCFILES: &[&str] = &["Procfile", "Procfile.dev", "Procfile.test"];
const MAKEFILES: &[&str] = &["Makefile", "makefile", "GNUmakefile"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in PROCFILES.iter().chain(MAKEFILES) {
        let Some(script) = hints.parsed(repo, file, |text| Ok(commands(file, text))) else { continue };
        // Containers of other images are the project's own (`docker run rqtest`): not said.
        let mut started: Vec<Service> = super::docker_run::services(&script)
            .into_iter()
            .filter(|s| super::image::parse(&s.image).is_some())
            .collect();
        // A Makefile's recipe line continued with `\` is one command.
        started.extend(super::script::lines(&script).iter().filter_map(|line| server_process(&line.text)));
        let first = hints.datastores.len();
        service::add_hints(hints, file, &started);
        setup::parse(&script).apply(&mut hints.datastores[first..]);
    }
}

/// Pure: the commands of a Procfile (one process a line, `name: command`) or a Makefile (the
/// recipe lines of its rules, without make's `@` and `-` prefixes), one a line; a recipe line
/// continued with `\\` keeps its continuation, for the shell to join.
pub fn commands(file: &str, text: &str) -> String {
    let is_procfile = PROCFILES.contains(&file);
    let mut out = Vec::new();
    let mut continued = false;
    for line in text.lines() {
        let command = if is_procfile {
            line.split_once(':')
                .filter(|(name, _)| !name.trim().starts_with('#'))
                .map(|(name, c)| format!("{}\t{}", name.trim(), c.trim()))
        } else if continued {
            // make's prefixes start a recipe line only: `-e X=1` here is docker's option.
            Some(line.strip_prefix('\t').unwrap_or(line).trim_end().to_string())
        } else {
            line.strip_prefix('\t').map(|c| c.trim_start_matches(['@', '-', '+']).trim().to_string())
        };
        continued = !is_procfile && command.as_ref().is_some_and(|c| c.ends_with('\\'));
        out.extend(command.filter(|c| !c.trim().is_empty()));
    }
    out.join("\n")
}

/// A line that runs a server devup has a recipe for, as a service of its image: `cache\tredis-server
/// --port 6380` is a redis on 6380, its other options its settings.
fn server_process(line: &str) -> Option<Service> {
    let (name, command) = line.split_once('\t').unwrap_or(("", line));
    let mut args = words(command);
    // `exec redis-server`, `env A=1 memcached`.
    while args.first().is_some_and(|w| w == "exec" || w == "env" || w.contains('=')) {
        args.remove(0);
    }
    let program = args.first()?.rsplit('/').next()?.to_string();
    let store = Store::of_process(&program)?;
    let mut port = None;
    let mut rest = Vec::new();
    let mut iter = args.into_iter().skip(1);
    while let Some(word) = iter.next() {
        let value = match word.as_str() {
            "--port" | "-p" => iter.next(),
            _ => word.strip_prefix("--port=").map(str::to_string),
        };
        match value.and_then(|v| v.parse::<u16>().ok()) {
            Some(p) => port = Some(p),
            None => rest.push(word),
        }
    }
    let default = store.default_port();
    let shown = if name.is_empty() { program.clone() } else { name.to_string() };
    Some(Service {
        name: shown,
        image: store.recipe().to_string(),
        env: Vec::new(),
        ports: vec![Port { host: Some(port.unwrap_or(default)), container: default }],
        command: rest,
        notes: vec![format!("started as `{}`", command.trim())],
        action: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_procfile_process_is_a_server_with_its_port_and_settings() {
        let script = commands("Procfile", "web: bundle exec puma\ncache: redis-server --port 6380 --appendonly yes\n");
        let found: Vec<Service> = script.lines().filter_map(server_process).collect();
        assert_eq!(found.len(), 1);
        let redis = &found[0];
        assert_eq!((redis.name.as_str(), redis.image.as_str()), ("cache", "redis"));
        assert_eq!(redis.ports, [Port { host: Some(6380), container: 6379 }]);
        assert_eq!(redis.command, ["--appendonly", "yes"]);
        let hint = service::hint("Procfile", redis).unwrap();
        assert!(hint.settings.iter().any(|s| s.param == "port" && s.value == Some(toml::Value::Integer(6380))));
        assert!(hint.settings.iter().any(|s| s.param == "settings"), "{:?}", hint.settings);
    }

    #[test]
    fn a_makefile_recipe_starting_a_container_and_creating_a_database() {
        let text = "services:\n\t@docker run -d --name pg -p 5432:5432 -e POSTGRES_DB=shop postgres:15\n\
                    \t-psql -h localhost -U postgres -c 'CREATE DATABASE shop_test'\n\
                    test: services\n\tpytest\n";
        let script = commands("Makefile", text);
        assert!(script.starts_with("docker run -d"), "{script}");
        let started = super::super::docker_run::services(&script);
        assert_eq!(started.len(), 1);
        let mut hints = vec![service::hint("Makefile", &started[0]).unwrap()];
        setup::parse(&script).apply(&mut hints);
        assert_eq!(hints[0].databases, ["shop", "shop_test"]);
        assert_eq!(hints[0].version.as_deref(), Some("15"));
    }

    #[test]
    fn a_makefile_recipe_line_continued() {
        let text = "db:\n\t@docker run -d --name pg \\\n\t-e POSTGRES_DB=shop \\\n\t\tpostgres:16\n\
                    cache:\n\tredis-server \\\n\t--port 6380\n";
        let script = commands("Makefile", text);
        let started = super::super::docker_run::services(&script);
        assert_eq!(started.len(), 1, "{script}");
        assert_eq!(started[0].env, [("POSTGRES_DB".to_string(), "shop".to_string())]);
        assert_eq!(started[0].image, "postgres:16");
        let processes: Vec<Service> =
            super::super::script::lines(&script).iter().filter_map(|l| server_process(&l.text)).collect();
        assert_eq!(processes.len(), 1);
        assert_eq!(processes[0].ports, [Port { host: Some(6380), container: 6379 }]);
    }

    #[test]
    fn other_processes_and_comments_are_not_servers() {
        let script = commands("Procfile", "# redis: redis-server\nworker: celery -A app worker\n");
        assert_eq!(script.lines().filter_map(server_process).count(), 0);
    }
}
