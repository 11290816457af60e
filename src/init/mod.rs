//! `devup init`: read a repository and draft its devup.toml.
//!
//! One direction, like the rest of devup:
//!
//! ```text
//! repo (list files, read them) ─► detectors (one per format) ─► hints ─► draft ─► render
//! ```
//!
//! `repo` is the only part that touches the disk. Each detector reads the files of one
//! format family with a pure parser (tested on strings) and reports hints: plain values naming
//! their file. `draft` chooses among them and fits them to the recipes devup has, so the file
//! is valid as written; `render` writes it with comments saying where each line came from.
//! A new format is one file here and one line in `DETECTORS`. What CI installs before the
//! tests is folded into the pip entry once all have run (`ci_installs`), and its apt-get
//! installs drafted as `[packages]` (`ci_packages`).

mod accounts;
mod ci_env;
mod ci_installs;
mod ci_packages;
mod ci_versions;
mod circleci;
mod compose;
mod conninfo;
mod datastores;
mod docker_run;
mod draft;
mod env_file;
mod github;
mod gitlab;
mod go;
mod hints;
mod image;
mod installs;
mod java;
mod known;
mod native;
mod node;
mod packages;
mod pipeline;
mod processes;
mod python;
mod rails;
mod render;
mod repo;
mod ruby;
mod rust;
mod script;
mod server_args;
mod service;
mod setup;
mod store;
mod tool_versions;
mod tox;
mod travis;
mod url;
mod variables;
mod yaml;

use std::path::Path;

pub use draft::{Draft, Finding};
pub use known::Known;
pub use render::render;
pub use repo::Repo;

type Detector = fn(&Repo, &mut hints::Hints);

/// Every detector. Datastores found by several are merged, and the first to give a version
/// wins: the development setup (compose, Rails) before CI's (GitHub, GitLab, Travis), and
/// guesses (tox) last.
const DETECTORS: &[Detector] = &[
    tool_versions::detect,
    python::detect,
    node::detect,
    ruby::detect,
    go::detect,
    rust::detect,
    java::detect,
    native::detect,
    compose::detect,
    rails::detect,
    processes::detect,
    github::detect,
    gitlab::detect,
    travis::detect,
    circleci::detect,
    tox::detect,
    env_file::detect,
];

/// What `init` found, and the problems it met (files it could not read or parse).
pub struct Scan {
    pub draft: Draft,
    pub problems: Vec<String>,
}

/// Reads the repository at `root` and drafts its devup.toml.
pub fn scan(repo: &Repo, known: &Known) -> Scan {
    // The datastores the recipes (a project's own too) teach init to recognise.
    store::register(known);
    let mut hints = hints::Hints::default();
    for detect in DETECTORS {
        detect(repo, &mut hints);
    }
    ci_installs::fold(repo, &mut hints);
    setup::init_sql_files(repo, &mut hints);
    let mut problems: Vec<String> =
        hints.problems.iter().map(|p| format!("cannot read {}: {}", p.file, p.text)).collect();
    problems.extend(repo.unreadable().into_iter().map(|(file, e)| format!("cannot read {file}: {e}")));
    problems.extend(known.broken.iter().map(|r| format!("recipe {r} is invalid, and was not used")));
    let dir_name = dir_name(repo.root());
    let draft = draft::draft(repo.root(), hints, known, &dir_name);
    Scan { draft, problems }
}

fn dir_name(root: &Path) -> String {
    root.canonicalize().ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_default()
}
