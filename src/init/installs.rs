//! What a CI job or tox installs before the tests: `pip install -r requirements/test.txt -r
//! requirements/ci.txt`, `pip install -e ".[test]"`, tox's `deps = -rrequirements-test.txt`
//! and `extras = test`. The pip entry installs the same (see `ci_installs`). And the system
//! packages it installs with `apt-get install`, which `[packages]` declares (`ci_packages`).

use super::script::{self, Word};

/// One file's worth of installs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Install {
    pub file: String,
    /// Requirements files, as the command names them (relative to the repository).
    pub requirements: Vec<String>,
    /// The project itself (`pip install -e .`, `pip install .[test]`).
    pub project: bool,
    /// Its extras: `test` of `.[test]`.
    pub extras: Vec<String>,
    /// Requirements named one by one (`pip install pytest mock`, tox's `deps = pytest>=7`).
    pub packages: Vec<String>,
    /// tox's deps for some environments only (`py311: pytest`, `django42: Django<4.3`): not
    /// installed, said in a comment.
    pub conditional: Vec<String>,
    /// Debian packages (`apt-get install -y libpq-dev`), by their names there.
    pub apt: Vec<String>,
    /// What pip installs from words the shell computes as CI runs (`` `ls dist/*`[test] ``,
    /// `$DEPS`), as written: not known before it runs, said in a comment.
    pub computed: Vec<String>,
}

impl Install {
    /// Whether it installs nothing with pip.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
            && !self.project
            && self.packages.is_empty()
            && self.conditional.is_empty()
            && self.computed.is_empty()
    }

    fn add(&mut self, other: Install) {
        push_new(&mut self.requirements, other.requirements);
        push_new(&mut self.extras, other.extras);
        push_new(&mut self.packages, other.packages);
        push_new(&mut self.conditional, other.conditional);
        push_new(&mut self.apt, other.apt);
        push_new(&mut self.computed, other.computed);
        self.project |= other.project;
    }

    /// A requirement as pip reads it in a requirements file or on the command line (a shell
    /// word, its quotes removed).
    fn requirement(&mut self, word: &str) {
        let (path, extras) = match word.split_once('[') {
            Some((path, rest)) => (path, rest.trim_end_matches(']')),
            None => (word, ""),
        };
        if matches!(path, "." | "./") {
            self.project = true;
            push_new(&mut self.extras, extras.split(',').map(str::trim).filter(|e| !e.is_empty()).map(String::from));
        } else if !word.is_empty() && !word.contains(['/', '$', '{']) && !word.starts_with('-') && !is_tool(word) {
            push_new(&mut self.packages, [word.to_string()]);
        }
    }
}

/// Packaging and test-environment tools CI installs for itself, not for the tests.
const TOOLS: &[&str] = &["pip", "setuptools", "wheel", "tox", "nox", "uv", "pip-tools", "build", "twine", "virtualenv"];

fn is_tool(requirement: &str) -> bool {
    let name: String = requirement
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase();
    TOOLS.contains(&name.as_str())
}

fn push_new(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// Pure: the pip and apt installs of a script, each command as the shell reads it.
pub fn from_script(file: &str, script: &str) -> Install {
    let mut found = Install { file: file.to_string(), ..Install::default() };
    for command in script::lines(script).iter().flat_map(script::Line::commands) {
        let words = &command.words;
        push_new(&mut found.apt, apt_packages(words));
        let Some(at) = words.iter().position(|w| w.text.ends_with("pip") || w.text.ends_with("pip3")) else {
            continue;
        };
        // pip is the command (`pip`, `python -m pip`, `sudo uv pip`), not an argument of `echo`.
        let runs_pip = words[..at].iter().map(|w| w.text.as_str()).all(|w| {
            w == "sudo" || w == "uv" || w == "-m" || w.contains('=') || super::repo::base(w).starts_with("python")
        });
        if !runs_pip || words.get(at + 1).is_none_or(|w| w.text != "install") {
            continue;
        }
        found.add(arguments(file, &words[at + 2..]));
    }
    found
}

/// `apt-get` options that take a value as the next word.
const APT_WITH_VALUE: &[&str] = &["-o", "--option", "-t", "--target-release", "-c", "--config-file"];

/// The packages of `[sudo] [VAR=value] apt-get|apt [options] install [options] NAME...`: a
/// name without its `=VERSION` or `/RELEASE`; none from a word CI fills in (`$EXTRA`).
fn apt_packages(words: &[Word]) -> Vec<String> {
    let Some(at) = words.iter().position(|w| matches!(super::repo::base(&w.text), "apt-get" | "apt")) else {
        return Vec::new();
    };
    if !words[..at].iter().all(|w| w.text == "sudo" || w.text == "-E" || w.text.contains('=')) {
        return Vec::new();
    }
    let mut rest = words[at + 1..].iter();
    let mut installing = false;
    let mut found = Vec::new();
    while let Some(Word { text: word, literal, .. }) = rest.next() {
        if APT_WITH_VALUE.contains(&word.as_str()) {
            rest.next();
        } else if word.starts_with('-') {
        } else if !installing {
            if word != "install" {
                return Vec::new();
            }
            installing = true;
        } else if *literal {
            let name = word.split(['=', '/']).next().unwrap_or_default();
            let valid = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.' | ':'));
            if valid {
                found.push(name.to_string());
            }
        }
    }
    found
}

/// `-r FILE`, `-rFILE`, `--requirement[=]FILE`, `-e .[x]`, `.[x]`, package names; other
/// options and their values are skipped. A word the shell computes as CI runs names nothing
/// known here: it is kept as written, for a comment.
fn arguments(file: &str, args: &[Word]) -> Install {
    let mut found = Install { file: file.to_string(), ..Install::default() };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let option = arg.text.as_str();
        let value = match option {
            "-r" | "--requirement" | "-e" | "--editable" => args.next(),
            "-c" | "--constraint" | "-i" | "--index-url" | "--extra-index-url" => {
                args.next();
                continue;
            }
            _ => Some(arg),
        };
        let Some(value) = value else { break };
        if !value.literal {
            push_new(&mut found.computed, [value.text.clone()]);
        } else if let Some(path) = requirement_file(option, &value.text) {
            push_new(&mut found.requirements, [path]);
        } else if option == "-e" || option == "--editable" || !option.starts_with('-') {
            found.requirement(&value.text);
        }
    }
    found
}

/// The file of `-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE` (`value` is
/// `FILE` when the option is a word of its own); tox's `{toxinidir}/` is the repository.
fn requirement_file(option: &str, value: &str) -> Option<String> {
    let value = if option == "-r" || option == "--requirement" {
        value
    } else {
        option.strip_prefix("--requirement=").or_else(|| option.strip_prefix("-r"))?
    };
    let value = value.trim_start_matches("{toxinidir}/").trim_start_matches("./");
    (!value.is_empty() && !value.contains(['$', '{'])).then(|| value.to_string())
}

/// Pure: tox's `deps` (one requirement a line, as in a requirements file, its markers and
/// spaces included) and `extras`.
pub fn from_tox(file: &str, deps: &str, extras: &str) -> Install {
    let mut found = Install { file: file.to_string(), ..Install::default() };
    for line in deps.lines().map(|l| l.split(" #").next().unwrap_or_default().trim()).filter(|l| !l.is_empty()) {
        if for_some_environments(line) {
            push_new(&mut found.conditional, [line.to_string()]);
        } else if line.starts_with('-') {
            found.add(arguments(file, &script::words(line)));
        } else {
            found.requirement(line);
        }
    }
    let extras: Vec<String> =
        extras.split([',', '\n']).map(str::trim).filter(|e| !e.is_empty()).map(String::from).collect();
    if !extras.is_empty() {
        found.project = true;
        push_new(&mut found.extras, extras);
    }
    found
}

/// `py311: pytest`, `django42,django50: ...`, `!pypy: ...`: a tox factor condition.
fn for_some_environments(line: &str) -> bool {
    line.split_once(':').is_some_and(|(factors, _)| {
        !factors.is_empty()
            && factors.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | '!' | '-'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_commands_in_scripts() {
        let script = "python -m pip install --upgrade pip wheel\n\
                      pip install -r requirements/base.txt -rrequirements/test.txt --requirement=ci.txt\n\
                      pip install -e \".[test,docs]\" && pytest\n\
                      uv pip install --system -c constraints.txt pytest-cov\n\
                      echo pip install -r nothing.txt | tee log";
        let found = from_script("ci.yml", script);
        assert_eq!(found.requirements, ["requirements/base.txt", "requirements/test.txt", "ci.txt"]);
        assert!(found.project);
        assert_eq!(found.extras, ["test", "docs"]);
        assert_eq!(found.packages, ["pytest-cov"], "pip and wheel are CI's own tools");
        assert!(from_script("x", "pytest -q\npip freeze").is_empty());
    }

    #[test]
    fn apt_get_installs() {
        let script = "sudo apt-get update -qq\n\
                      sudo DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0 install -y --no-install-recommends \\\n  ruby ruby-mysql2=0.5.3-4 rake && rake test\n\
                      apt install -t bookworm-backports libvips-dev/bookworm-backports $EXTRA_PACKAGES\n\
                      echo apt-get install nothing\n\
                      apt-get remove -y something\n\
                      sudo apt-get install -y ruby > /dev/null";
        let found = from_script("ci.yml", script);
        assert_eq!(found.apt, ["ruby", "ruby-mysql2", "rake", "libvips-dev"]);
        assert!(found.is_empty(), "nothing for pip");
        let found = from_script("x", "pip install \\\n  -r requirements.txt");
        assert_eq!(found.requirements, ["requirements.txt"], "a continued line is one command");
    }

    #[test]
    fn words_the_shell_computes_name_nothing() {
        let found = from_script(
            "ci.yml",
            "pip install `ls dist/*`[test] ./pool \"$DEPS\" $(cat extra.txt) -r ${REQS} wheels/*.whl > pip.log 2>&1\n\
             sudo apt-get install -y $(cat apt.txt) libpq-dev `echo x`",
        );
        assert_eq!(found.computed, ["`ls dist/*`[test]", "$DEPS", "$(cat extra.txt)", "${REQS}", "wheels/*.whl"]);
        assert!(found.packages.is_empty() && found.requirements.is_empty() && !found.project, "{found:?}");
        assert_eq!(found.apt, ["libpq-dev"]);
        assert!(!found.is_empty(), "pip installs something");
        let found = from_script("x", "pip install -r requirements.txt pytest < /dev/null >> log; pip install '$x'");
        assert_eq!(found.requirements, ["requirements.txt"]);
        assert_eq!(found.packages, ["pytest"], "no file a redirection names");
        assert!(found.computed.is_empty(), "a quoted `$` is itself");
    }

    #[test]
    fn the_project_without_extras() {
        let found = from_script("x", "pip install .");
        assert!(found.project && found.extras.is_empty());
        let found = from_script("x", "pip3 install './[test]'");
        assert_eq!(found.extras, ["test"]);
    }

    #[test]
    fn tox_deps_and_extras() {
        let found = from_tox(
            "tox.ini",
            "-r{toxinidir}/requirements-test.txt\npytest>=7  # the runner\n-e .[dev]\n\
             importlib-metadata; python_version < \"3.10\"\ndjango42: Django>=4.2,<4.3\n{[base]deps}",
            "test,\n  docs",
        );
        assert_eq!(found.requirements, ["requirements-test.txt"]);
        assert_eq!(found.packages, ["pytest>=7", "importlib-metadata; python_version < \"3.10\""]);
        assert_eq!(found.conditional, ["django42: Django>=4.2,<4.3"]);
        assert!(found.project);
        assert_eq!(found.extras, ["dev", "test", "docs"]);
    }
}
