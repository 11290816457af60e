//! What detectors report: plain values, each naming the file it came from. The draft chooses
//! among them; nothing here knows about recipes or the output format.

use super::store::Store;

/// Where a language's version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// `{ from = "FILE" }`: devup reads the file at each run, so the two never disagree.
    From(String),
    /// A constraint as the project wrote it, e.g. `>=18`.
    Constraint(String),
    /// The releases CI tests on (`18`, `20`): any of them will do.
    Tested(Vec<String>),
}

/// How much a source says about a language's version; the lowest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A file that exists to pin the version: `.nvmrc`, `.python-version`, `go.mod`...
    VersionFile,
    /// A version manager's list of tools: `.tool-versions`, `.mise.toml`.
    ToolManager,
    /// The versions CI sets up to run the tests on.
    Ci,
    /// A constraint inside a project manifest: `engines.node`, `requires-python`...
    Manifest,
    /// Only the language's presence.
    Presence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// The tool's name as the file says it (`nodejs`, `golang`); the draft maps it to a recipe.
    pub tool: String,
    pub file: String,
    pub version: Option<Version>,
    /// What the file says, for messages (`20.11.0`, `>=3.10`).
    pub said: Option<String>,
    pub rank: Rank,
}

/// A dependency install: one entry of `[dependencies]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Deps {
    /// The recipe: `npm`, `pip`...
    pub manager: &'static str,
    /// The language it needs.
    pub language: &'static str,
    /// The directory of the project it installs, relative to the repository ("" for the root).
    pub dir: String,
    pub params: Vec<(String, toml::Value)>,
    /// The file that decided it, and why, for the report.
    pub file: String,
    pub why: String,
    /// What devup cannot do for it, as comments.
    pub notes: Vec<String>,
}

/// A server the project talks to: one entry of `[datastores]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Datastore {
    pub store: Store,
    pub file: String,
    /// Where in the file: "service `db` (postgres:16-alpine)".
    pub origin: String,
    pub version: Option<String>,
    pub databases: Vec<String>,
    /// Settings a recipe may take as parameters (`port`, `user`); comments otherwise.
    pub settings: Vec<Setting>,
    /// Remarks, as comments ("MariaDB: ...").
    pub notes: Vec<String>,
    /// A guess (a client library in tox.ini): shown commented out, not declared.
    pub weak: bool,
}

/// A value the project sets for a datastore, e.g. the host port 5433.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub param: &'static str,
    /// `None` for what is never copied into devup.toml (a password).
    pub value: Option<toml::Value>,
    /// How it reads in a comment when the recipe has no such parameter: `host port 5433`.
    pub text: String,
}

/// How CI's jobs reach a server they run as a service: by its service name (`db`, the alias)
/// and on its ports (the container's, the published one). `localhost` and the server's usual
/// port always count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub store: Store,
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
}

/// A variable CI sets where the tests run: a job's or step's `env`, GitLab's `variables`,
/// Travis's `env`, tox's `setenv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub file: String,
    pub name: String,
    pub value: VarValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    /// Written in the file, as the tests get it.
    Plain(String),
    /// Already a devup template (tox's `{toxinidir}` is `{project.dir}`).
    Template(String),
    /// Filled by CI when the job runs (a matrix value, another variable), as written; with the
    /// secret's name when it comes from CI's secret store.
    Runtime { raw: String, secret: Option<String> },
    /// Points at a service of the compose file that devup does not run (`http://search:9200`).
    Elsewhere { raw: String, service: String },
    /// Set by only some of the jobs that run the tests (`jobs`: "job `altschema`"): the suite run
    /// another way, not how a developer runs it first.
    Variant { value: String, jobs: String },
}

/// A dependency that needs something from the system: entries of `[packages]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Native {
    /// The dependency as the project spells it: `psycopg2`.
    pub dep: String,
    /// The file that declares it.
    pub file: String,
    /// `[packages]` names building it takes (a C compiler); none when it compiles nothing.
    pub toolchain: Vec<String>,
    /// `[packages]` names it needs beyond those: headers it builds against, a library it loads.
    pub packages: Vec<String>,
    /// It compiles code (else it only loads what `packages` gives).
    pub compiles: bool,
    /// When or why, for the comment: "when no wheel fits this Python".
    pub note: Option<String>,
}

/// A system package CI installs before the tests: `apt-get install -y ruby-mysql2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiPackage {
    pub file: String,
    /// Its name for apt.
    pub apt: String,
}

/// A `[[step]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub description: String,
    pub check: String,
    pub apply: String,
    pub cwd: Option<String>,
    pub file: String,
    pub why: String,
    /// Written commented out, for this reason.
    pub disabled: Option<String>,
}

/// Something found that devup cannot declare, said as a comment and in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub file: String,
    pub text: String,
}

/// Everything the detectors found, in the order they found it.
#[derive(Debug, Default, Clone)]
pub struct Hints {
    /// The project's own name, from its manifest (`package.json`, `Cargo.toml`...).
    pub name: Option<(String, String)>,
    pub languages: Vec<Language>,
    pub deps: Vec<Deps>,
    pub datastores: Vec<Datastore>,
    /// Dependencies that need system packages.
    pub native: Vec<Native>,
    /// System packages CI installs for the tests.
    pub ci_packages: Vec<CiPackage>,
    pub steps: Vec<Step>,
    /// What CI and tox install before the tests.
    pub installs: Vec<super::installs::Install>,
    /// Variables CI sets for the tests, in the order found.
    pub env: Vec<Variable>,
    /// Variables the project's own compose services run with: after CI's, which are the
    /// tests' own (a test database rather than the development one).
    pub app_env: Vec<Variable>,
    /// How CI reaches the servers it runs as services.
    pub reached: Vec<Reached>,
    pub notes: Vec<Note>,
    /// Files that could not be read or parsed: warnings.
    pub problems: Vec<Note>,
}

impl Hints {
    pub fn language(&mut self, tool: &str, file: &str, version: Option<Version>, said: Option<String>, rank: Rank) {
        self.languages.push(Language { tool: tool.to_string(), file: file.to_string(), version, said, rank });
    }

    /// A version file such as `.nvmrc`, read by devup itself.
    pub fn version_file(&mut self, tool: &str, file: &str) {
        self.language(tool, file, Some(Version::From(file.to_string())), None, Rank::VersionFile);
    }

    pub fn present(&mut self, tool: &str, file: &str) {
        self.language(tool, file, None, None, Rank::Presence);
    }

    pub fn name(&mut self, file: &str, name: &str) {
        if self.name.is_none() && !name.trim().is_empty() {
            self.name = Some((file.to_string(), name.trim().to_string()));
        }
    }

    pub fn note(&mut self, file: &str, text: impl Into<String>) {
        self.notes.push(Note { file: file.to_string(), text: text.into() });
    }

    pub fn problem(&mut self, file: &str, text: impl Into<String>) {
        self.problems.push(Note { file: file.to_string(), text: text.into() });
    }

    /// `file` of the repository, when it has one, parsed; a file that does not parse is noted
    /// as a problem of that file.
    pub fn parsed<T>(
        &mut self,
        repo: &super::repo::Repo,
        file: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if !repo.has(file) {
            return None;
        }
        match parse(&repo.read(file)?) {
            Ok(found) => Some(found),
            Err(e) => {
                self.problem(file, e);
                None
            }
        }
    }
}
