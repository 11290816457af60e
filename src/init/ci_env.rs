//! What CI sets for the tests, as its files write it: which jobs run the tests, and a value
//! read as the tests get it, or as what CI fills in when the job runs (a secret, a matrix
//! value, another variable), which a developer's machine has no way to know.

use super::hints::{VarValue, Variable};
use super::service::resolve;

/// A job that runs the tests: named so, or running a test runner. Lint and release jobs
/// install tools, and set variables, the tests do not need.
pub fn is_test_job(key: &str, script: &str) -> bool {
    const RUNNERS: &[&str] = &[
        "pytest",
        "manage.py test",
        "tox",
        "nox",
        "unittest",
        "make test",
        "make check",
        "npm test",
        "npm run test",
        "yarn test",
        "pnpm test",
        "node --test",
        "jest",
        "mocha",
        "vitest",
        "go test",
        "cargo test",
        "rake",
        "rspec",
        "minitest",
    ];
    key.to_ascii_lowercase().contains("test")
        || RUNNERS.iter().any(|r| script.contains(r))
        || script.split_whitespace().any(runs_a_test_script)
}

/// A word running the project's own test script: `./tools/ci/ci_test.sh`, `runtests.py`,
/// `scripts/run-tests.sh` (not a directory of tests, `tests/`).
fn runs_a_test_script(word: &str) -> bool {
    let file = word.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    let script = [".sh", ".py", ".js", ".mjs"].iter().any(|ext| file.ends_with(ext)) || word.starts_with("./");
    script && file.contains("test")
}

/// Adds `pairs` to `env`, a later value replacing an earlier one of the same name (a job's
/// variable over the workflow's), in the order first set.
pub fn merge(env: &mut Vec<(String, String)>, pairs: Vec<(String, String)>) {
    for (name, value) in pairs {
        match env.iter_mut().find(|(n, _)| *n == name) {
            Some(old) => old.1 = value,
            None => env.push((name, value)),
        }
    }
}

/// Pure: a script with `$NAME` and `${NAME}` replaced by the values `env` gives them as
/// written (not those CI fills in as the job runs), so that `pip install $DEPS` reads what
/// `DEPS` names. Other variables, and `$` in single quotes, are left as they are.
pub fn expand(script: &str, env: &[(String, String)]) -> String {
    let known =
        |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.contains('$'));
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    let mut quoted = false;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '$' && !quoted {
            let after = &rest[1..];
            let (name, len) = match after.strip_prefix('{') {
                Some(inner) => match inner.find('}') {
                    Some(end) => (&inner[..end], end + 3),
                    None => ("", 0),
                },
                None => {
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                    (&after[..end], end + 1)
                }
            };
            if let Some(value) = known(name).filter(|_| !name.is_empty()) {
                out.push_str(value);
                rest = &rest[len..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Pure: a variable as GitHub Actions, GitLab CI and Travis write it: `${{ secrets.X }}` and
/// `${{ matrix.x }}` are CI's, `$X` and `${X}` another variable's; `${X:-default}` is its
/// default.
pub fn read(file: &str, name: &str, raw: &str) -> Variable {
    let value = if raw.contains("${{") {
        let secret = raw
            .split("secrets.")
            .nth(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>());
        VarValue::Runtime { raw: raw.to_string(), secret }
    } else {
        match resolve(raw) {
            (text, true) => VarValue::Plain(text),
            (_, false) => VarValue::Runtime { raw: raw.to_string(), secret: None },
        }
    };
    Variable { file: file.to_string(), name: name.to_string(), value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(raw: &str) -> VarValue {
        read("ci.yml", "X", raw).value
    }

    #[test]
    fn test_jobs_by_name_runner_or_script() {
        assert!(is_test_job("unit", "pytest -q"));
        assert!(is_test_job("tests", "make lint"));
        assert!(is_test_job("linux", "pip install $DEPS\n./tools/ci/ci_test.sh"));
        assert!(is_test_job("py", "python runtests.py -v"));
        assert!(!is_test_job("lint", "ruff check src tests/\nmypy tests"));
        assert!(!is_test_job("release", "python -m build && twine upload dist/*"));
    }

    #[test]
    fn a_script_reads_the_values_the_job_sets() {
        let env = vec![
            ("DEPS".to_string(), "./pkg[test] ./pool".to_string()),
            ("V".to_string(), "${{ matrix.v }}".to_string()),
        ];
        assert_eq!(expand("pip install $DEPS", &env), "pip install ./pkg[test] ./pool");
        assert_eq!(expand("pip install ${DEPS} x", &env), "pip install ./pkg[test] ./pool x");
        assert_eq!(
            expand("echo '$DEPS' $DEPSX $V $HOME", &env),
            "echo '$DEPS' $DEPSX $V $HOME",
            "quoted, longer, CI's, unknown"
        );
    }

    #[test]
    fn plain_values_secrets_and_what_ci_fills_in() {
        assert_eq!(value("shop.settings.test"), VarValue::Plain("shop.settings.test".into()));
        assert_eq!(value("${PORT:-5432}"), VarValue::Plain("5432".into()));
        assert_eq!(
            value("${{ secrets.STRIPE_KEY }}"),
            VarValue::Runtime { raw: "${{ secrets.STRIPE_KEY }}".into(), secret: Some("STRIPE_KEY".into()) }
        );
        assert_eq!(value("${{ matrix.db }}"), VarValue::Runtime { raw: "${{ matrix.db }}".into(), secret: None });
        assert_eq!(
            value("$CI_PROJECT_DIR/.cache"),
            VarValue::Runtime { raw: "$CI_PROJECT_DIR/.cache".into(), secret: None }
        );
    }

    #[test]
    fn test_jobs() {
        assert!(is_test_job("unit-tests", ""));
        assert!(is_test_job("build", "python -m pytest -q"));
        assert!(!is_test_job("lint", "ruff check ."));
    }
}
