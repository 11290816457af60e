//! GitHub Actions workflows (`.github/workflows/*.yml`): the service containers jobs run
//! their tests against, databases their steps create, and the variables the test jobs set.

use super::ci_env::{self, is_test_job};
use super::ci_versions;
use super::hints::{Hints, Rank, VarValue, Variable, Version};
use super::installs::{self, Install};
use super::repo::Repo;
use super::server_args;
use super::service::{self, Service};
use super::setup::{self, Setup};
use super::store::Store;
use super::yaml;

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.files() {
        if !is_workflow(file) {
            continue;
        }
        let Some(text) = repo.read(file) else {
            continue;
        };
        match parse(&text) {
            Ok(workflow) => {
                let first = hints.datastores.len();
                service::add_hints(hints, file, &workflow.services);
                workflow.setup.apply(&mut hints.datastores[first..]);
                hints.installs.push(Install { file: file.clone(), ..workflow.installs });
                for setup in workflow.languages {
                    let version = Some(Version::Tested(setup.versions));
                    hints.language(setup.tool, file, version, Some(setup.said), Rank::Ci);
                }
                hints.env.extend(workflow.env.iter().map(|(name, value)| ci_env::read(file, name, value)));
                hints.env.extend(workflow.variants.into_iter().map(|v| {
                    // A value CI fills in as the job runs stays what it is: unknowable here.
                    let read = ci_env::read(file, &v.name, &v.value);
                    let value = match read.value {
                        VarValue::Plain(_) => VarValue::Variant { value: v.value, jobs: v.jobs },
                        other => other,
                    };
                    Variable { file: file.clone(), name: v.name, value }
                }));
            }
            Err(e) => hints.problem(file, e),
        }
    }
}

/// Whether a workflow of the repository runs the tests.
pub fn runs_tests(repo: &Repo) -> bool {
    let workflows = repo.files().iter().filter(|f| is_workflow(f));
    workflows.filter_map(|f| repo.read(f)).any(|text| parse(&text).is_ok_and(|w| w.tests))
}

fn is_workflow(file: &str) -> bool {
    file.starts_with(".github/workflows/") && (file.ends_with(".yml") || file.ends_with(".yaml"))
}

#[derive(Debug, Default)]
pub struct Workflow {
    /// Whether a job runs the tests.
    pub tests: bool,
    pub services: Vec<Service>,
    /// What the steps do to the servers (`createdb app_test`, `ALTER SYSTEM SET ...`).
    pub setup: Setup,
    /// What the test jobs install (every job's, when none looks like one).
    pub installs: Install,
    /// What the workflow and its test jobs set: `env` of the workflow, the jobs and their
    /// `run` steps (an action's own `env` is for the action). None without a test job.
    pub env: Vec<(String, String)>,
    /// The languages the test jobs set up (every job's, when none looks like one), and the
    /// versions.
    pub languages: Vec<ci_versions::Setup>,
    /// What only some of the test jobs set (`altschema` runs the suite again with
    /// `SCHEMA=custom`): a variant of the suite, with the jobs that run it.
    pub variants: Vec<Variant>,
}

/// A variable only some test jobs set, with the jobs: "job `altschema`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub value: String,
    pub jobs: String,
}

/// The variables every test job sets alike, and the others: a variable only some jobs set, or
/// that jobs set to different values (with the first job's value).
fn split_variants(jobs: &[(&str, Vec<(String, String)>)]) -> (Vec<(String, String)>, Vec<Variant>) {
    let mut common = Vec::new();
    let mut variants = Vec::new();
    for (n, (_, env)) in jobs.iter().enumerate() {
        for (name, value) in env {
            let seen =
                |list: &[(&str, Vec<(String, String)>)]| list.iter().any(|(_, e)| e.iter().any(|(k, _)| k == name));
            if seen(&jobs[..n]) {
                continue;
            }
            let alike = jobs.iter().all(|(_, e)| e.iter().any(|(k, v)| k == name && v == value));
            if alike {
                common.push((name.clone(), value.clone()));
            } else {
                let setting: Vec<String> = jobs
                    .iter()
                    .filter(|(_, e)| e.iter().any(|(k, v)| k == name && v == value))
                    .map(|(job, _)| format!("`{job}`"))
                    .collect();
                let jobs = if setting.len() == 1 { "job" } else { "jobs" };
                let jobs = format!("{jobs} {}", setting.join(", "));
                variants.push(Variant { name: name.clone(), value: value.clone(), jobs });
            }
        }
    }
    (common, variants)
}

/// The server a step's action starts (`supercharge/redis-github-action` with `redis-version:
/// 7`), as the container service it stands for (`redis:7`, the image's variables from the
/// action's inputs); `None` for any other step.
fn action_service(step: &serde_norway::Value, matrix: Option<&serde_norway::Value>) -> Option<Service> {
    let uses = step.get("uses").and_then(serde_norway::Value::as_str)?;
    let (store, action) = Store::of_action(uses)?;
    let input = |name: &Option<String>| -> Option<String> {
        let value = step.get("with")?.get(name.as_deref()?).and_then(yaml::text)?;
        // A matrix value: its newest.
        let values = ci_versions::resolve(&value, matrix);
        let mut numeric: Vec<&String> = values.iter().filter(|v| ci_versions::release(v).is_some()).collect();
        numeric.sort_by_key(|v| crate::version::lenient(v));
        numeric.last().map(|v| v.to_string()).or_else(|| values.first().cloned())
    };
    let detect = store.detect();
    let mut notes = Vec::new();
    let version = input(&action.version);
    if let Some(raw) = step.get("with").and_then(|w| w.get(action.version.as_deref()?)).and_then(yaml::text)
        && raw.contains("${{")
    {
        notes.push(format!("the newest of the CI matrix for `{raw}`"));
    }
    let image = format!("{}:{}", detect.images.first()?, version.as_deref().unwrap_or("latest"));
    let mut env = Vec::new();
    for (input_name, vars) in [
        (&action.database, &detect.database_vars),
        (&action.user, &detect.user_vars),
        (&action.password, &detect.password_vars),
        (&action.superuser_password, &detect.superuser_password_vars),
    ] {
        if let (Some(value), Some(var)) = (input(input_name), vars.first()) {
            env.push((var.clone(), value));
        }
    }
    let ports = input(&action.port)
        .and_then(|p| p.parse().ok())
        .map(|host| service::Port { host: Some(host), container: store.default_port() })
        .into_iter()
        .collect();
    Some(Service {
        name: store.recipe().to_string(),
        image,
        env,
        ports,
        command: Vec::new(),
        notes,
        action: Some(uses.split('@').next().unwrap_or(uses).to_string()),
    })
}

/// An image's tag as a version, to find the newest (`postgres:16-alpine` → 16); none for a tag
/// that is no version.
fn tag_version(image: &str) -> Option<semver::Version> {
    crate::version::lenient(image[repository(image).len()..].trim_start_matches(':'))
}

/// An image without its tag: `postgres` of `postgres:15`, `ghcr.io/x/pg` of
/// `ghcr.io/x/pg:16` (a registry's port is not a tag).
fn repository(image: &str) -> &str {
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_start..].find([':', '@']) {
        Some(i) => &image[..name_start + i],
        None => image,
    }
}

/// Pure: the servers every job runs and what its `run` steps do to them, and what the test
/// jobs set up, install and set.
pub fn parse(text: &str) -> Result<Workflow, String> {
    let doc = yaml::parse(text)?;
    let mut workflow = Workflow::default();
    let Some(jobs) = doc.get("jobs") else {
        return Ok(workflow);
    };
    let workflow_env = doc.get("env").map(yaml::env).unwrap_or_default();
    let mut scripts = Vec::new();
    let mut test_scripts = Vec::new();
    // Each test job's variables, by job.
    let mut test_envs: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    // The job that brought each service: jobs run apart, so a service of the same name in
    // another job is the same server run another way, not a second one.
    let mut service_jobs: Vec<&str> = Vec::new();
    // The languages each job sets up.
    let (mut test_setups, mut all_setups) = (Vec::new(), Vec::new());
    for (key, job) in yaml::entries(jobs) {
        let steps = job.get("steps").map(yaml::items).unwrap_or_default();
        let script: Vec<String> =
            steps.iter().map(|step| step.get("run").map(yaml::script).unwrap_or_default()).collect();
        // What the workflow and the job set, as the steps read it (`pip install $DEPS`).
        let mut job_env = workflow_env.clone();
        ci_env::merge(&mut job_env, job.get("env").map(yaml::env).unwrap_or_default());
        let script = ci_env::expand(&script.join("\n"), &job_env);
        let matrix = job.get("strategy").and_then(|s| s.get("matrix"));
        let setups = ci_versions::setups(&steps, matrix);
        if is_test_job(key, &script) {
            test_scripts.push(script.clone());
            test_setups.push(setups.clone());
            let mut env = job.get("env").map(yaml::env).unwrap_or_default();
            for step in steps.iter().filter(|step| step.get("run").is_some()) {
                ci_env::merge(&mut env, step.get("env").map(yaml::env).unwrap_or_default());
            }
            test_envs.push((key, env));
        }
        all_setups.push(setups);
        // The job's servers: its service containers, what its actions and its `docker run`
        // steps start.
        let mut started: Vec<Service> = steps.iter().filter_map(|step| action_service(step, matrix)).collect();
        for (name, def) in job.get("services").map(yaml::entries).into_iter().flatten() {
            started.extend(container_services(name, def, matrix));
        }
        for service in super::docker_run::services(&script) {
            for (image, notes) in resolve_matrix(&service.image, matrix) {
                started.push(Service { image, notes: [service.notes.clone(), notes].concat(), ..service.clone() });
            }
        }
        for service in started {
            let same_in_another_job = workflow.services.iter().zip(&service_jobs).position(|(s, job)| {
                *job != key && s.name == service.name && repository(&s.image) == repository(&service.image)
            });
            match same_in_another_job {
                Some(i) if workflow.services[i].image != service.image => {
                    let note = format!("the job `{key}` runs it as {}", service.image);
                    workflow.services[i].notes.push(note);
                }
                Some(_) => {}
                None if workflow.services.contains(&service) => {}
                None => {
                    workflow.services.push(service);
                    service_jobs.push(key);
                }
            }
        }
        scripts.push(script);
    }
    workflow.tests = !test_scripts.is_empty();
    if workflow.tests {
        workflow.env = doc.get("env").map(yaml::env).unwrap_or_default();
        let (common, variants) = split_variants(&test_envs);
        ci_env::merge(&mut workflow.env, common);
        workflow.variants = variants;
    }
    let setups = if test_scripts.is_empty() { all_setups } else { test_setups };
    for setup in setups.into_iter().flatten() {
        ci_versions::add(&mut workflow.languages, setup);
    }
    workflow.setup = setup::parse(&scripts.join("\n"));
    let installed_by = if test_scripts.is_empty() { &scripts } else { &test_scripts };
    workflow.installs = installs::from_script("", &installed_by.join("\n"));
    Ok(workflow)
}

/// A job's service container (`services: { db: { image: postgres:16, ... } }`): one per image
/// its matrix gives it.
fn container_services(name: &str, def: &serde_norway::Value, matrix: Option<&serde_norway::Value>) -> Vec<Service> {
    let Some(image) = def.get("image").and_then(yaml::text) else {
        return Vec::new();
    };
    let ports: Vec<service::Port> = def
        .get("ports")
        .map(|p| yaml::items(p).into_iter().filter_map(yaml::text).filter_map(|t| service::port(&t)).collect())
        .unwrap_or_default();
    // Docker's options, of which only `-c NAME=VALUE` reaches the server.
    let options = def.get("options").and_then(yaml::text).unwrap_or_default();
    resolve_matrix(&image, matrix)
        .into_iter()
        .map(|(image, notes)| Service {
            name: name.to_string(),
            image,
            env: def.get("env").map(yaml::env).unwrap_or_default(),
            ports: ports.clone(),
            command: server_args::postgres_pairs(&server_args::words(&options)),
            notes,
            action: None,
        })
        .collect()
}

/// An image as the job's matrix fills it in, with how it was read: one that is wholly a matrix
/// value (`${{ matrix.db }}` over `[postgres:16, mysql:8]`) is each of the images the suite
/// runs against; a version from the matrix (`postgres:${{ matrix.pg }}`) is the newest.
fn resolve_matrix(image: &str, matrix: Option<&serde_norway::Value>) -> Vec<(String, Vec<String>)> {
    if let Some(images) = matrix.and_then(|m| matrix_images(image, m)) {
        let note = format!("from the CI matrix ({}) for `{image}`", images.join(", "));
        // One server per kind, as a job runs one of them: of `postgres:13`, `postgres:17` and
        // `postgis/postgis`, the newest postgres.
        let kind = |image: &str| -> String {
            super::image::parse(image).map_or_else(|| repository(image).to_string(), |i| i.store.recipe().to_string())
        };
        let mut newest: Vec<&String> = Vec::new();
        for candidate in &images {
            match newest.iter_mut().find(|n| kind(n.as_str()) == kind(candidate)) {
                Some(n) if tag_version(candidate) > tag_version(n) => *n = candidate,
                Some(_) => {}
                None => newest.push(candidate),
            }
        }
        return newest.into_iter().map(|i| (i.clone(), vec![note.clone()])).collect();
    }
    match matrix.and_then(|m| newest_of_matrix(image, m)) {
        Some((resolved, values)) => {
            vec![(resolved, vec![format!("the newest of the CI matrix ({values}) for `{image}`")])]
        }
        None => vec![(image.to_string(), Vec::new())],
    }
}

/// `${{ matrix.db }}` with `matrix: { db: [postgres:16, "mysql:8.0"] }` → those images (values
/// that name something, not bare versions). `None` for anything else.
fn matrix_images(image: &str, matrix: &serde_norway::Value) -> Option<Vec<String>> {
    let name = image.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim().strip_prefix("matrix.")?;
    let values = ci_versions::matrix_values(matrix, name);
    (!values.is_empty() && values.iter().all(|v| v.contains(|c: char| c.is_ascii_alphabetic()))).then_some(values)
}

/// `postgres:${{ matrix.pg }}` with `matrix: { pg: [14, 16] }` → `postgres:16`, and the
/// values (`14, 16`). `None` when the image names no matrix variable, or its values are not
/// all versions.
fn newest_of_matrix(image: &str, matrix: &serde_norway::Value) -> Option<(String, String)> {
    let start = image.find("${{")?;
    let end = start + image[start..].find("}}")? + 2;
    let name = image[start + 3..end - 2].trim().strip_prefix("matrix.")?;
    let values = ci_versions::matrix_values(matrix, name);
    let key = |v: &String| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    let newest = values.iter().map(|v| Some((key(v)?, v))).collect::<Option<Vec<_>>>()?;
    let (_, newest) = newest.into_iter().max()?;
    let resolved = format!("{}{newest}{}", &image[..start], &image[end..]);
    Some((resolved, values.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::super::store::Store;
    use super::*;

    const WORKFLOW: &str = r#"
name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      DATABASE_URL: postgres://ci:ci@localhost:5432/app_test
    services:
      postgres:
        image: postgres:15
        env:
          POSTGRES_USER: ci
          POSTGRES_PASSWORD: ci
          POSTGRES_DB: app_test
        ports:
          - 5432:5432
        options: >-
          --health-cmd pg_isready
          -c wal_level=logical
      redis:
        image: redis:7
        ports: ["6379:6379"]
    steps:
      - uses: actions/checkout@v4
      - run: |
          psql -h localhost -U ci -c 'CREATE DATABASE app_test_2;'
      - run: pip install -r requirements/test.txt
      - uses: some/action@v1
        env:
          ACTION_TOKEN: ${{ secrets.TOKEN }}
      - run: pytest
        env:
          REDIS_URL: redis://localhost:6379/1
  lint:
    env:
      LINT_STRICT: "1"
    runs-on: ubuntu-latest
    steps:
      - run: pip install -r requirements/lint.txt
      - run: make lint
"#;

    #[test]
    fn services_and_databases() {
        let w = parse(WORKFLOW).unwrap();
        let images: Vec<_> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["postgres:15", "redis:7"]);
        assert_eq!(w.services[0].ports[0].host, Some(5432));
        assert_eq!(w.setup.databases, [(Some(Store::postgres()), "app_test_2".to_string())]);
        assert_eq!(w.installs.requirements, ["requirements/test.txt"], "the lint job's are not the tests'");
        let env: Vec<&str> = w.env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(env, ["DATABASE_URL", "REDIS_URL"], "the test job's and its run steps', not an action's");
        let hint = service::hint("ci.yml", &w.services[0]).unwrap();
        assert_eq!(hint.databases, ["app_test"]);
        assert_eq!(hint.settings[0].text, "role \"ci\"");
        assert_eq!(hint.settings[1].text, "settings wal_level = logical");
    }

    #[test]
    fn the_newest_of_a_matrix() {
        let w = parse(
            "jobs:\n  t:\n    strategy:\n      matrix:\n        pg: [\"9.6\", \"14\", \"12\"]\n    services:\n      db:\n        image: postgres:${{ matrix.pg }}-alpine\n",
        )
        .unwrap();
        assert_eq!(w.services[0].image, "postgres:14-alpine");
        let hint = service::hint("ci.yml", &w.services[0]).unwrap();
        assert_eq!(hint.version.as_deref(), Some("14"));
        assert_eq!(hint.notes, ["the newest of the CI matrix (9.6, 14, 12) for `postgres:${{ matrix.pg }}-alpine`"]);
    }

    /// Three jobs, each with its own `postgres` service: the suite's, a variant of it with
    /// another schema, and a lint job.
    const JOBS: &str = r#"
env:
  PGHOST: "127.0.0.1"
jobs:
  test:
    strategy:
      matrix:
        pg: [12, 15]
    services:
      postgres:
        image: postgres:${{ matrix.pg }}
        ports: ["5432:5432"]
    env:
      LOG_LEVEL: quiet
    steps:
      - run: yarn test
  altschema:
    env:
      LOG_LEVEL: quiet
      WORKER_SCHEMA: custom_schema
    services:
      postgres:
        image: postgres:12
        ports: ["5432:5432"]
      cache:
        image: redis:7
    steps:
      - run: yarn test
  lint:
    env:
      STRICT: "1"
    steps:
      - run: yarn lint
"#;

    #[test]
    fn a_variant_ci_fills_in_stays_unknowable() {
        let root = tempfile::tempdir().unwrap();
        let file = ".github/workflows/ci.yml";
        std::fs::create_dir_all(root.path().join(".github/workflows")).unwrap();
        std::fs::write(
            root.path().join(file),
            "jobs:\n  test:\n    steps:\n      - run: pytest\n  alt-test:\n    env:\n      IMPL: ${{ matrix.impl }}\n      MODE: fast\n    steps:\n      - run: pytest\n",
        )
        .unwrap();
        let repo = Repo::from_files(root.path(), vec![file.into()]);
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        let values: Vec<(&str, &VarValue)> = hints.env.iter().map(|v| (v.name.as_str(), &v.value)).collect();
        assert!(matches!(values[0], ("IMPL", VarValue::Runtime { .. })), "{values:?}");
        assert!(matches!(values[1], ("MODE", VarValue::Variant { .. })), "{values:?}");
    }

    #[test]
    fn a_service_of_one_name_in_several_jobs_is_one_server() {
        let w = parse(JOBS).unwrap();
        let images: Vec<&str> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["postgres:15", "redis:7"]);
        assert_eq!(w.services[0].notes[1], "the job `altschema` runs it as postgres:12");
    }

    #[test]
    fn what_only_some_test_jobs_set_is_a_variant() {
        let w = parse(JOBS).unwrap();
        let env: Vec<&str> = w.env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(env, ["PGHOST", "LOG_LEVEL"], "the workflow's and what every test job sets; not lint's");
        let variant =
            Variant { name: "WORKER_SCHEMA".into(), value: "custom_schema".into(), jobs: "job `altschema`".into() };
        assert_eq!(w.variants, [variant]);
    }

    #[test]
    fn services_in_one_job_are_servers_of_their_own() {
        let w = parse(
            "jobs:\n  t:\n    services:\n      pg:\n        image: postgres:16\n        ports: [\"5432:5432\"]\n      pg2:\n        image: postgres:16\n        ports: [\"5433:5432\"]\n",
        )
        .unwrap();
        assert_eq!(w.services.len(), 2);
    }

    #[test]
    fn servers_actions_start_are_services() {
        let w = parse(
            r#"
jobs:
  test:
    strategy:
      matrix:
        redis: [6, "7.2"]
    steps:
      - uses: supercharge/redis-github-action@1.4.0
        with:
          redis-version: ${{ matrix.redis }}
          redis-port: 6380
      - uses: harmon758/postgresql-action@v1
        with:
          postgresql version: "16"
          postgresql db: app_test
          postgresql user: ci
          postgresql password: secret
      - uses: some/other-action@v1
      - run: npm test
"#,
        )
        .unwrap();
        let images: Vec<&str> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["redis:7.2", "postgres:16"]);
        let redis = service::hint("ci.yml", &w.services[0]).unwrap();
        assert_eq!(redis.origin, "action `supercharge/redis-github-action` (redis:7.2)");
        assert_eq!(redis.version.as_deref(), Some("7"));
        assert_eq!(redis.settings[0].value, Some(toml::Value::Integer(6380)), "its port");
        let postgres = service::hint("ci.yml", &w.services[1]).unwrap();
        assert_eq!(postgres.databases, ["app_test"]);
        assert_eq!(postgres.settings[0].text, "role \"ci\"");
    }

    #[test]
    fn a_server_docker_run_starts_takes_its_image_from_the_jobs_matrix() {
        let w = parse(
            "jobs:\n  test:\n    strategy:\n      matrix:\n        pg: [\"postgres:13\", \"postgres:17\"]\n    steps:\n      - run: |\n          docker run -d -p 5432:5432 \\\n            -e POSTGRES_PASSWORD=pw ${{ matrix.pg }} \\\n            -c max_prepared_transactions=10\n      - run: pytest\n",
        )
        .unwrap();
        let images: Vec<&str> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["postgres:17"], "one server of a kind: the newest");
        assert_eq!(w.services[0].command, ["-c", "max_prepared_transactions=10"]);
    }

    #[test]
    fn an_image_without_its_tag() {
        assert_eq!(repository("postgres:15"), "postgres");
        assert_eq!(repository("postgres"), "postgres");
        assert_eq!(repository("localhost:5000/pg:16"), "localhost:5000/pg");
        assert_eq!(repository("ghcr.io/x/pg@sha256:abc"), "ghcr.io/x/pg");
    }

    #[test]
    fn a_server_a_step_starts_with_docker_run_is_a_service() {
        let w =
            parse("jobs:\n  test:\n    steps:\n      - run: docker run -d -p 6379:6379 redis:7\n      - run: pytest\n")
                .unwrap();
        let images: Vec<&str> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["redis:7"]);
    }

    #[test]
    fn an_image_that_is_a_matrix_value_is_each_of_its_images() {
        let w = parse(
            "jobs:\n  t:\n    strategy:\n      matrix:\n        db: [\"postgres:16\", \"mysql:8.0\"]\n    services:\n      db:\n        image: ${{ matrix.db }}\n",
        )
        .unwrap();
        let images: Vec<&str> = w.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["postgres:16", "mysql:8.0"]);
        assert_eq!(w.services[0].notes, ["from the CI matrix (postgres:16, mysql:8.0) for `${{ matrix.db }}`"]);
    }

    #[test]
    fn matrix_images_and_empty_workflows() {
        let w = parse("jobs:\n  t:\n    services:\n      db:\n        image: postgres:${{ matrix.pg }}\n").unwrap();
        let hint = service::hint("ci.yml", &w.services[0]).unwrap();
        assert_eq!(hint.version, None);
        assert!(hint.notes[0].contains("variable"));
        assert!(parse("name: x\n").unwrap().services.is_empty());
        assert!(parse("jobs: [").is_err());
    }
}
