//! Services a CI script starts itself with `docker run` (`docker run -d -p 5432:5432 -e
//! POSTGRES_PASSWORD=x postgres:16`), read like the services CI files declare.

use super::script;
use super::service::{self, Service};

/// `docker run` options that take a value as the next word.
const WITH_VALUE: &[&str] = &[
    "-e",
    "--env",
    "-p",
    "--publish",
    "--name",
    "-v",
    "--volume",
    "--network",
    "--net",
    "--health-cmd",
    "--health-interval",
    "--health-timeout",
    "--health-retries",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--entrypoint",
    "--platform",
    "--restart",
    "-m",
    "--memory",
    "--mount",
    "--label",
    "-l",
    "--shm-size",
    "--tmpfs",
    "--add-host",
    "--hostname",
    "-h",
    "--env-file",
    "--cpus",
];

/// Pure: every service `docker run` starts in these scripts, each command as the shell reads
/// it. An image the shell or CI computes (`${{ matrix.postgres }}`, `$IMAGE`) is kept as
/// written: CI's matrix is its reader's to resolve.
pub fn services(script: &str) -> Vec<Service> {
    let mut found: Vec<Service> = Vec::new();
    for command in script::lines(script).iter().flat_map(script::Line::commands) {
        let words: Vec<String> = command.words.into_iter().map(|w| w.text).collect();
        let Some(start) = words.windows(2).position(|w| w[0] == "docker" && w[1] == "run") else { continue };
        let mut service = Service {
            name: String::new(),
            image: String::new(),
            env: Vec::new(),
            ports: Vec::new(),
            command: Vec::new(),
            notes: Vec::new(),
            action: None,
        };
        let mut rest = words[start + 2..].iter();
        while let Some(word) = rest.next() {
            let (option, inline) = match word.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (word.as_str(), None),
            };
            if !option.starts_with('-') {
                service.image = word.clone();
                service.command = rest.by_ref().cloned().collect();
                break;
            }
            let value = if WITH_VALUE.contains(&option) { inline.or_else(|| rest.next().cloned()) } else { None };
            match (option, value) {
                ("-e" | "--env", Some(pair)) => {
                    if let Some((k, v)) = pair.split_once('=') {
                        service.env.push((k.to_string(), v.to_string()));
                    }
                }
                ("-p" | "--publish", Some(ports)) => service.ports.extend(service::port(&ports)),
                ("--name", Some(name)) => service.name = name,
                _ => {}
            }
        }
        if service.image.is_empty() {
            continue;
        }
        if service.name.is_empty() {
            service.name = service.image.clone();
        }
        if !found.contains(&service) {
            found.push(service);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_started_by_docker_run() {
        let script = "docker pull postgres:15\n\
                      docker run -d --name db -p 5433:5432 -e POSTGRES_USER=app -e POSTGRES_PASSWORD=secret --health-cmd pg_isready postgres:15-alpine -c fsync=off\n\
                      docker run --rm redis:7 && echo started\n\
                      pytest";
        let found = services(script);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].name.as_str(), found[0].image.as_str()), ("db", "postgres:15-alpine"));
        assert_eq!(
            found[0].env,
            [("POSTGRES_USER".into(), "app".into()), ("POSTGRES_PASSWORD".into(), "secret".into())]
        );
        assert_eq!(found[0].ports.first().map(|p| (p.host, p.container)), Some((Some(5433), 5432)));
        assert_eq!(found[0].command, ["-c", "fsync=off"]);
        assert_eq!((found[1].image.as_str(), found[1].command.len()), ("redis:7", 0));
        assert!(services("docker ps\ndocker run\n").is_empty());
    }

    #[test]
    fn a_command_continued_over_lines_with_an_image_the_matrix_chooses() {
        let script = "docker run --rm -d --name pg -p 5433:5432 \\\n  -e POSTGRES_PASSWORD=pw ${{ matrix.pg }} \\\n  \
                      -c max_prepared_transactions=10 > /dev/null\n\
                      docker run -d redis:7 2>&1 | tee log";
        let found = services(script);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].name.as_str(), found[0].image.as_str()), ("pg", "${{ matrix.pg }}"));
        assert_eq!(found[0].env, [("POSTGRES_PASSWORD".into(), "pw".into())]);
        assert_eq!(found[0].command, ["-c", "max_prepared_transactions=10"], "no redirection");
        assert_eq!((found[1].image.as_str(), found[1].command.len()), ("redis:7", 0));
        let mut hints = crate::init::hints::Hints::default();
        service::add_hints(&mut hints, "ci.yml", &found[..1]);
        assert!(hints.datastores.is_empty());
        assert_eq!(hints.notes.len(), 1);
        assert_eq!(
            hints.notes[0].text,
            "service `pg` (${{ matrix.pg }}): its image is filled in as it runs, so devup cannot tell which server it is"
        );
    }
}
