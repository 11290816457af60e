//! GitLab CI (`.gitlab-ci.yml`): `services:` at the top, under `default:` or in a job, each an
//! image name or `{ name, alias, variables }`; `variables:` configure them, and are the test
//! jobs' environment too.

use super::ci_env;
use super::hints::Hints;
use super::pipeline::Pipeline;
use super::repo::Repo;
use super::service::Service;
use super::yaml;
use serde_norway::Value;

pub const FILE: &str = ".gitlab-ci.yml";

/// Top-level keys that are not jobs.
const GLOBAL_KEYS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// Keys holding the scripts a job runs.
const SCRIPT_KEYS: &[&str] = &["before_script", "script"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    if let Some(pipeline) = hints.parsed(repo, FILE, parse) {
        pipeline.add_to(hints, FILE);
    }
}

/// Pure: every service, with the variables in force for it (global, then the job's, then the
/// service's own), and what the scripts do to them.
pub fn parse(text: &str) -> Result<Pipeline, String> {
    let doc = yaml::parse(text)?;
    let global_vars = doc.get("variables").map(yaml::env).unwrap_or_default();
    let mut scopes: Vec<(&Value, Vec<(String, String)>)> = vec![(&doc, global_vars.clone())];
    if let Some(default) = doc.get("default") {
        scopes.push((default, global_vars.clone()));
    }
    let mut env: Vec<(String, String)> = Vec::new();
    // The global `before_script` runs in every job, the tests' too.
    let mut test_scripts: Vec<String> =
        scopes.iter().flat_map(|(scope, _)| scope.get("before_script")).map(yaml::script).collect();
    let mut a_test_job = false;
    for (key, job) in yaml::entries(&doc) {
        if GLOBAL_KEYS.contains(&key) || (key.starts_with('.') && job.get("services").is_none()) {
            continue;
        }
        let own = job.get("variables").map(yaml::env).unwrap_or_default();
        let script: Vec<String> = SCRIPT_KEYS.iter().filter_map(|k| job.get(*k)).map(yaml::script).collect();
        if !key.starts_with('.') && ci_env::is_test_job(key, &script.join("\n")) {
            if env.is_empty() {
                env.extend(global_vars.iter().cloned());
            }
            ci_env::merge(&mut env, own.clone());
            test_scripts.extend(script.iter().cloned());
            a_test_job = true;
        }
        let mut vars = global_vars.clone();
        vars.extend(own);
        scopes.push((job, vars));
    }
    let mut services: Vec<Service> = Vec::new();
    let mut scripts = Vec::new();
    for (scope, vars) in scopes {
        scripts.extend(SCRIPT_KEYS.iter().filter_map(|k| scope.get(*k)).map(yaml::script));
        let Some(list) = scope.get("services") else {
            continue;
        };
        for item in yaml::items(list) {
            let (image, alias, own) = match item {
                Value::Mapping(_) => (
                    item.get("name").and_then(yaml::text),
                    item.get("alias").and_then(yaml::text),
                    item.get("variables").map(yaml::env).unwrap_or_default(),
                ),
                other => (yaml::text(other), None, Vec::new()),
            };
            let command = item.get("command").map(super::compose::command).unwrap_or_default();
            let Some(image) = image else {
                continue;
            };
            let mut env = vars.clone();
            env.extend(own);
            // Later definitions win, as GitLab reads them.
            env.reverse();
            let service = Service {
                name: alias.unwrap_or_else(|| image.clone()),
                image,
                env,
                ports: Vec::new(),
                command,
                notes: Vec::new(),
                action: None,
            };
            if !services.contains(&service) {
                services.push(service);
            }
        }
    }
    let test_scripts = a_test_job.then(|| test_scripts.join("\n"));
    Ok(Pipeline::new(services, scripts.join("\n"), test_scripts, env))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CI: &str = r#"
variables:
  POSTGRES_DB: shop_test
  POSTGRES_USER: runner
  POSTGRES_PASSWORD: ""
services:
  - redis:7
test:
  image: ruby:3.2
  services:
    - name: postgres:14-alpine
      alias: db
      command: ["postgres", "-c", "fsync=off"]
  variables:
    POSTGRES_DB: shop_ci
  before_script:
    - psql -h db -U runner -c "CREATE ROLE reporting LOGIN PASSWORD 'reporting'"
  script:
    - bundle exec rake
.template:
  script: [echo]
"#;

    #[test]
    fn services_with_variables() {
        let pipeline = parse(CI).unwrap();
        let services = pipeline.services;
        let names: Vec<_> = services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["redis:7", "db"]);
        let hint = super::super::service::hint(FILE, &services[1]).unwrap();
        assert_eq!(hint.version.as_deref(), Some("14"));
        assert_eq!(hint.databases, ["shop_ci"], "the job's variable wins");
        let texts: Vec<_> = hint.settings.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["role \"runner\"", "settings fsync = off"]);
        assert_eq!(pipeline.setup.accounts[0].1.name, "reporting");
        let env: Vec<(&str, &str)> = pipeline.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            env,
            [("POSTGRES_DB", "shop_ci"), ("POSTGRES_USER", "runner"), ("POSTGRES_PASSWORD", "")],
            "the global variables, the test job's over them"
        );
    }

    #[test]
    fn what_the_test_jobs_install() {
        let pipeline = parse(
            "before_script:\n  - pip install -U pip wheel\nlint:\n  script:\n    - pip install flake8\n    - flake8\n\
             unit-tests:\n  before_script:\n    - pip install -r requirements-test.txt pytest-cov\n  script: [pytest]\n",
        )
        .unwrap();
        let installs = crate::init::installs::from_script(FILE, &pipeline.test_scripts);
        assert_eq!(installs.requirements, ["requirements-test.txt"]);
        assert_eq!(installs.packages, ["pytest-cov"], "not the lint job's flake8");
        let no_test_job = parse("build:\n  script:\n    - pip install -r requirements.txt\n").unwrap();
        assert_eq!(
            no_test_job.test_scripts, "pip install -r requirements.txt",
            "every job's, when none runs the tests"
        );
    }

    #[test]
    fn without_services() {
        assert!(parse("test:\n  script: [make]\n").unwrap().services.is_empty());
        assert!(parse("stages: [").is_err());
    }
}
