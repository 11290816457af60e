//! CircleCI (`.circleci/config.yml`): a job's `docker:` list runs the job in its first image
//! and starts the others beside it as services, each `{ image, environment, command }`; the
//! job's `environment` (and its first image's) is what the tests run with, and its `run` steps
//! are its scripts.

use super::ci_env;
use super::hints::Hints;
use super::pipeline::Pipeline;
use super::repo::Repo;
use super::service::Service;
use super::yaml;
use serde_norway::Value;

pub const FILE: &str = ".circleci/config.yml";

pub fn detect(repo: &Repo, hints: &mut Hints) {
    if let Some(pipeline) = hints.parsed(repo, FILE, parse) {
        pipeline.add_to(hints, FILE);
    }
}

/// Pure: the services of every job (its docker images after the first), the scripts, and the
/// test jobs' environment.
pub fn parse(text: &str) -> Result<Pipeline, String> {
    let doc = yaml::parse(text)?;
    let mut services: Vec<Service> = Vec::new();
    let mut scripts = Vec::new();
    let mut test_scripts = Vec::new();
    let mut env: Vec<(String, String)> = Vec::new();
    let Some(jobs) = doc.get("jobs") else {
        return Ok(Pipeline::default());
    };
    for (name, job) in yaml::entries(jobs) {
        let images = job.get("docker").map(yaml::items).unwrap_or_default();
        let script = job.get("steps").map(run_steps).unwrap_or_default();
        if ci_env::is_test_job(name, &script) {
            let primary = images.first().and_then(|i| i.get("environment")).map(yaml::env).unwrap_or_default();
            ci_env::merge(&mut env, primary);
            ci_env::merge(&mut env, job.get("environment").map(yaml::env).unwrap_or_default());
            test_scripts.push(script.clone());
        }
        scripts.push(script);
        for image in images.iter().skip(1) {
            let Some(reference) = image.get("image").and_then(yaml::text) else { continue };
            let service = Service {
                // A service is reached by its `name`, else on localhost (CircleCI's network).
                name: image.get("name").and_then(yaml::text).unwrap_or_else(|| reference.clone()),
                image: reference,
                env: image.get("environment").map(yaml::env).unwrap_or_default(),
                ports: Vec::new(),
                command: image.get("command").map(super::compose::command).unwrap_or_default(),
                notes: Vec::new(),
                action: None,
            };
            if !services.contains(&service) {
                services.push(service);
            }
        }
    }
    let test_scripts = (!test_scripts.is_empty()).then(|| test_scripts.join("\n"));
    Ok(Pipeline::new(services, scripts.join("\n"), test_scripts, env))
}

/// The commands of a job's `run` steps: `- run: CMD` or `- run: { command: CMD }`.
fn run_steps(steps: &Value) -> String {
    yaml::items(steps)
        .into_iter()
        .filter_map(|step| step.get("run"))
        .filter_map(|run| match run {
            Value::Mapping(_) => run.get("command").map(yaml::script),
            other => yaml::text(other),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
version: 2.1
jobs:
  test:
    docker:
      - image: cimg/python:3.12
        environment:
          DATABASE_URL: postgresql://shop:shop@localhost/shop_test
      - image: cimg/postgres:14.2
        environment:
          POSTGRES_USER: shop
          POSTGRES_PASSWORD: shop
          POSTGRES_DB: shop_test
        command: postgres -c fsync=off
      - image: cimg/redis:7.0
    environment:
      DJANGO_SETTINGS_MODULE: shop.settings.test
    steps:
      - checkout
      - run: pip install -r requirements/test.txt
      - run:
          name: tests
          command: |
            psql -h localhost -U shop -c "CREATE DATABASE shop_extra"
            pytest
  lint:
    docker:
      - image: cimg/python:3.12
    steps:
      - run: pip install ruff && ruff check .
"#;

    #[test]
    fn services_are_the_docker_images_after_the_first() {
        let config = parse(CONFIG).unwrap();
        let images: Vec<&str> = config.services.iter().map(|s| s.image.as_str()).collect();
        assert_eq!(images, ["cimg/postgres:14.2", "cimg/redis:7.0"]);
        let postgres = &config.services[0];
        assert!(postgres.env.contains(&("POSTGRES_DB".into(), "shop_test".into())), "{:?}", postgres.env);
        assert_eq!(postgres.command, ["postgres", "-c", "fsync=off"]);
    }

    #[test]
    fn the_test_jobs_environment_and_scripts() {
        let config = parse(CONFIG).unwrap();
        assert!(config.env.contains(&("DJANGO_SETTINGS_MODULE".into(), "shop.settings.test".into())));
        assert!(config.env.iter().any(|(k, _)| k == "DATABASE_URL"), "the primary image's too: {:?}", config.env);
        assert!(config.test_scripts.contains("pip install -r requirements/test.txt"), "{}", config.test_scripts);
        assert!(config.test_scripts.contains("pytest"));
    }

    #[test]
    fn a_config_without_jobs_or_docker_has_nothing() {
        assert!(parse("version: 2.1\n").unwrap().services.is_empty());
        assert!(parse("jobs:\n  build:\n    machine: true\n").unwrap().services.is_empty());
        assert!(parse("jobs: [").is_err());
    }
}
