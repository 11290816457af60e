//! `devup export dockerfile`: an image with the project's system packages, languages and
//! dependency installs, in layers ordered from what changes least to what changes most:
//!
//! 1. `FROM` the platform's image, then every system package the project's steps install
//!    (languages, tools, the datastores' servers) in one `apt-get install`;
//! 2. the dependency installs, each after a `COPY` of only its inputs (the lockfiles). Those
//!    whose result is a directory of the project devup knows (`.venv`, `node_modules`) run in a
//!    stage of their own built from that base, and the image copies the directory in: a changed
//!    lockfile re-runs its own install only. The others (system gems, `~/.cargo`, a record in
//!    devup's state directory) run in sequence in the image, in the engine's order: a changed
//!    lockfile re-runs those from its own on ([`stages`]);
//! 3. the code, from a stage that copied the project and removed what the installs build (a
//!    local `.venv` must not replace the image's): editing code rebuilds nothing above.
//!
//! Only instructions every builder reads (docker's classic builder, BuildKit, buildah 1.28): a
//! multi-line shell is a `RUN` in exec form, never a here-document.
//!
//! Each install runs as the exported script applies it (the step's own shell, with the helpers
//! it calls), so it leaves the stamp devup keeps of its last install (`.venv/.devup-venv`,
//! `node_modules/.devup-fingerprint`): `devup` in the container finds it done. A stamp devup keeps
//! in its state directory is written where devup in the container keeps it (root's, for the
//! project at [`WORKDIR`]).
//!
//! Datastores: their packages are in the image, but no server runs or keeps data in it (a
//! process does not survive a layer, and data belongs in a volume). They are started in the
//! container by the image's entrypoint, the script of `devup export script` written into the
//! image ([`CONVERGE`]), which runs the project's own servers on loopback with the ports and
//! URLs of the image's `ENV`. The devcontainer runs it at start and forwards those ports.

use std::fmt::Write;
use std::path::Path;

mod stages;

use super::here::Here;
pub use super::here::WORKDIR;
use super::{Platform, ScriptStep, quote};
use crate::project::Project;

/// The exported script's helpers: an install's record calls some of them (`tool_identity`).
const PRELUDE: &str = include_str!("prelude.sh");

/// A dependency install as the image runs it.
struct Install {
    id: String,
    description: String,
    /// Project files it reads, to copy before it.
    inputs: Vec<String>,
    /// The shell of one `RUN`: the step's apply (the install, then its stamp) with the functions
    /// it calls.
    shell: String,
    /// The stamp it writes, as the script names it (relative to the project when inside it).
    stamp: Option<String>,
    /// The installs it needs (their ids), directly or through other steps.
    needs: Vec<String>,
}

pub fn render(project: &Project, platform: &Platform, here: &Here) -> Result<String, String> {
    let steps = super::script::steps(project, platform)?;
    let manager = crate::packages::for_facts(&platform.facts)
        .ok_or_else(|| format!("{} has no package manager devup can export for", platform.name))?;
    let mut packages: Vec<String> = vec!["ca-certificates".to_string()];
    for (_, _, step) in &steps {
        for name in &step.packages {
            if !packages.contains(name) {
                packages.push(name.clone());
            }
        }
    }
    let install = manager
        .image_install(&packages)
        .ok_or_else(|| format!("installing packages through {} cannot be exported", manager.name()))?;
    let installs = Installs::new(project, installs(project, &steps, here)?);
    let built = &installs.built;
    let name = &project.manifest.name;
    let mut s = String::new();
    let _ = write!(
        s,
        "# The image of the project `{name}` on {platform}: its system packages and languages, then its
# dependency installs. Exported by devup {version} (`devup export dockerfile`).
# It builds unedited with docker (BuildKit or the classic builder), podman and buildah
# (`buildah bud --layers`): only instructions that each of them reads.
# Layers go from what changes least to what changes most: editing code rebuilds only the last
# COPY. An install that builds a directory of the project runs in a stage of its own: a changed
# lockfile re-runs its own install only. Installs that write elsewhere run in sequence in the
# image: a changed lockfile re-runs those from its own on.
# Datastores: their packages are here, but no server runs or keeps data in the image. A
# container's entrypoint (`devup-converge`, the script of `devup export script`) starts the
# project's own servers on loopback, with the ports and URLs below.
",
        platform = platform.name,
        version = env!("CARGO_PKG_VERSION"),
    );
    if !built.is_empty() {
        let dirs: Vec<String> = built.iter().map(|d| format!("{WORKDIR}/{d}")).collect();
        let _ = write!(
            s,
            "\n# The project's code without what the installs build ({listed}): a local copy of those must not\n\
             # replace the image's. (Listing them in .dockerignore as well spares sending them to the builder.)\n\
             FROM {image} AS code\nCOPY . {WORKDIR}\nRUN {rm}\n",
            listed = built.iter().map(|d| format!("{d}/")).collect::<Vec<_>>().join(", "),
            image = platform.image,
            rm = run(&format!("rm -rf {}", dirs.iter().map(|d| quote(d)).collect::<Vec<_>>().join(" "))),
        );
    }
    let mut section = 0;
    let mut next = || {
        section += 1;
        section
    };
    if installs.layout.stages.is_empty() {
        let _ = write!(
            s,
            "\nFROM {image}\n\n# {}. System packages and languages, in one layer.\n",
            next(),
            image = platform.image
        );
    } else {
        let _ = write!(
            s,
            "\nFROM {image} AS {BASE}\n\n# {}. System packages and languages, in one layer: the base of the install stages and of the\n\
             # image.\n",
            next(),
            image = platform.image,
        );
    }
    let _ = write!(s, "RUN {install}\n\nWORKDIR {WORKDIR}\n");
    let decided = decided_there(&steps, here)?;
    if !decided.is_empty() {
        s.push_str(
            "\n# Tools whose install is decided where they are built: the system's package when the version\n\
             # it offers satisfies the one declared, else another way; never another version silently.\n",
        );
        for (id, description, shell) in &decided {
            let _ = writeln!(s, "# {id}: {}\nRUN {}", one_line(description), run(shell));
        }
    }
    let mut path: Vec<String> = project.path.iter().map(|d| d.display().to_string()).collect();
    path.extend(steps.iter().flat_map(|(_, _, step)| step.tool_dirs.iter().map(|d| d.display().to_string())));
    if !project.env.is_empty() || !path.is_empty() {
        s.push_str("\n# The project's environment, as `devup env` gives it in the container.\n");
        for (key, value) in &project.env {
            let _ = writeln!(s, "ENV {key}={}", env_value(&here.in_container(value)));
        }
        if !path.is_empty() {
            let dirs: Vec<String> = path.iter().map(|d| here.in_container(d).replace("/./", "/")).collect();
            // `${PATH}`: the image's own, which every builder expands in ENV.
            let _ = writeln!(s, "ENV PATH={}:${{PATH}}", env_value(&dirs.join(":")));
        }
    }
    if !installs.layout.stages.is_empty() {
        installs.write_stages(&mut s, next());
    }
    let converge = super::script::render(project, platform, here)?;
    let _ = write!(
        s,
        "\n# {}. How a container reaches converged: `{CONVERGE}` is the script of `devup export script`\n\
         # (the servers start, what they hold is made, the project's own steps run, the ports are\n\
         # chosen as devup chooses them); the entrypoint runs it, then the container's command:\n\
         #   docker run --rm IMAGE ./run-the-tests      (or `{CONVERGE}` first, where the entrypoint is not run)\n",
        next(),
    );
    for line in write_runs(CONVERGE, &converge) {
        s.push_str(&line);
    }
    for line in write_runs(ENTRYPOINT, &entrypoint()) {
        s.push_str(&line);
    }
    let _ = writeln!(s, "ENTRYPOINT [{}]\nCMD [\"bash\"]", json(ENTRYPOINT));
    installs.write_in_image(&mut s, &mut next);
    if built.is_empty() {
        let _ = write!(s, "\n# {}. The rest of the project.\nCOPY . .\n", next());
    } else {
        let _ =
            write!(s, "\n# {}. The rest of the project, without a local copy of what the installs built.\n", next());
        let _ = writeln!(s, "COPY --from=code {WORKDIR} {WORKDIR}");
    }
    Ok(s)
}

/// The stage the install stages and the image are built from.
const BASE: &str = "base";

/// The dependency installs and where each runs.
struct Installs<'a> {
    project: &'a Project,
    list: Vec<Install>,
    /// The project's directories they build (`.venv`, `node_modules`).
    built: Vec<String>,
    layout: stages::Layout,
}

impl<'a> Installs<'a> {
    fn new(project: &'a Project, list: Vec<Install>) -> Installs<'a> {
        let built = built_dirs_of(&list);
        let placed: Vec<stages::Placed> = list
            .iter()
            .map(|i| stages::Placed {
                id: &i.id,
                dir: i.stamp.as_deref().and_then(|stamp| stages::dir_of(stamp, &built)),
                needs: &i.needs,
            })
            .collect();
        let layout = stages::layout(&placed);
        Installs { project, list, built, layout }
    }

    /// A stage per directory the installs build, from the base, each with only its inputs; then
    /// the image's own `FROM`.
    fn write_stages(&self, s: &mut String, section: usize) {
        let _ = write!(
            s,
            "\n# {section}. Dependency installs that build a directory of the project, each directory in a stage of\n\
             # its own from the base, after copying only what its installs read: a changed lockfile re-runs\n\
             # its own stage, not the others. Each install runs as the script of `devup export script`\n\
             # applies it: the install, then devup's record of it (the command, the tools and the sha256 of\n\
             # the inputs it was made from) inside the directory, which the image copies as it is. So\n\
             # `devup` in the container finds these installs done.\n",
        );
        for stage in &self.layout.stages {
            let _ = writeln!(s, "\nFROM {BASE} AS {}", stage.name);
            let mut copied: Vec<String> = Vec::new();
            for &i in &stage.installs {
                self.write_install(s, i, &mut copied);
            }
        }
        let _ = write!(s, "\n# The image.\nFROM {BASE}\n");
    }

    /// In the image: the installs in sequence that need no stage's result, the stages'
    /// directories, then the installs in sequence that need them.
    fn write_in_image(&self, s: &mut String, next: &mut impl FnMut() -> usize) {
        let layout = &self.layout;
        let mut copied: Vec<String> = Vec::new();
        if !layout.before.is_empty() || !layout.after.is_empty() {
            let _ = write!(
                s,
                "\n# {}. Dependency installs in sequence, in the engine's order, each after copying only what it\n\
                 # reads: a changed lockfile re-runs the installs from its own on. These write outside the\n\
                 # directories of the project that devup knows (system gems, ~/.cargo, GOPATH, devup's record\n\
                 # in its state directory), or need what another install built: no stage could hand it over.\n\
                 # Each runs as the script of `devup export script` applies it: the install, then devup's\n\
                 # record of it (the command, the tools and the sha256 of the inputs it was made from), where\n\
                 # devup looks for it. So `devup` in the container finds these installs done.\n",
                next(),
            );
        }
        for &i in &layout.before {
            self.write_install(s, i, &mut copied);
        }
        if !layout.stages.is_empty() {
            let _ = write!(
                s,
                "\n# {}. What the install stages built, copied in as it is (modes, links, devup's records in it).\n",
                next()
            );
            for stage in &layout.stages {
                let dir = json(&format!("{WORKDIR}/{}", stage.dir));
                let _ = writeln!(s, "COPY --from={} [{dir}, {dir}]", stage.name);
            }
        }
        if !layout.after.is_empty() {
            s.push_str("\n# Installs in sequence that need what a stage built.\n");
        }
        for &i in &layout.after {
            self.write_install(s, i, &mut copied);
        }
    }

    /// One install: a comment naming it, a `COPY` of each input not yet copied in this stage,
    /// then its `RUN`.
    fn write_install(&self, s: &mut String, i: usize, copied: &mut Vec<String>) {
        let step = &self.list[i];
        let _ = writeln!(s, "\n# {}: {}", step.id, one_line(&step.description));
        for input in &step.inputs {
            // Only the project's own files: not what an install builds (the venv's python), which
            // may exist where the export runs.
            let built_here = self.built.iter().any(|dir| Path::new(input).starts_with(dir));
            if copied.contains(input) || built_here || !self.project.manifest.dir.join(input).is_file() {
                continue;
            }
            let _ = writeln!(s, "COPY [{}, {}]", json(input), json(&format!("{WORKDIR}/{input}")));
            copied.push(input.clone());
        }
        let _ = writeln!(s, "RUN {}", run(&step.shell));
    }
}

/// The image's converge script: the script of `devup export script`.
pub const CONVERGE: &str = "/usr/local/bin/devup-converge";
/// The image's entrypoint: converge, then the command.
const ENTRYPOINT: &str = "/usr/local/bin/devup-entrypoint";

fn entrypoint() -> String {
    format!(
        "#!/bin/sh\n# The entrypoint of the image exported by devup: converges the project in {WORKDIR} (its\n\
         # servers start), then runs the container's command.\nset -e\n{CONVERGE} {WORKDIR} >&2\nexec \"$@\"\n"
    )
}

/// The `RUN`s that write an executable file of `text`: one per piece of at most 24 KB, so that
/// no line of the Dockerfile outgrows what builders read in one line (64 KB for docker's parser).
fn write_runs(path: &str, text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let last = pieces.last_mut().expect("one piece at least");
        if !last.is_empty() && last.len() + line.len() > 24 * 1024 {
            pieces.push(String::new());
        }
        pieces.last_mut().expect("one piece at least").push_str(line);
    }
    let count = pieces.len();
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let redirect = if i == 0 { ">" } else { ">>" };
            let chmod = if i + 1 == count { format!(" && chmod 755 {path}") } else { String::new() };
            format!("RUN {}\n", run(&format!("printf '%s' {} {redirect}{path}{chmod}", quote(piece))))
        })
        .collect()
}

/// A `RUN` of shell text in exec form: a JSON array running `/bin/sh -c` with the text, newlines
/// and all. Every builder reads it (docker's classic builder, BuildKit, buildah), unlike
/// BuildKit's here-documents, which buildah 1.28 refuses (`Unknown instruction: "SET"`).
fn run(shell: &str) -> String {
    format!("[\"/bin/sh\", \"-c\", {}]", json(shell))
}

/// The project's directories the dependency installs build and keep their stamps in (`.venv`,
/// `node_modules`: the outermost directory of each stamp inside the project): the image's own,
/// which a copy of the project must not replace.
pub fn built_dirs(project: &Project, platform: &Platform, here: &Here) -> Result<Vec<String>, String> {
    let steps = super::script::steps(project, platform)?;
    Ok(built_dirs_of(&installs(project, &steps, here)?))
}

fn built_dirs_of(installs: &[Install]) -> Vec<String> {
    stages::built_dirs(installs.iter().filter_map(|i| i.stamp.as_deref()))
}

/// The steps whose way is decided where they run, each converged as the script does (check,
/// apply, check again), failing the build with the reason when no way gives what is declared.
fn decided_there(steps: &[(String, String, ScriptStep)], here: &Here) -> Result<Vec<(String, String, String)>, String> {
    let mut found = String::new();
    let mut out = Vec::new();
    for (id, description, step) in steps {
        if step.decided_there {
            let text = format!(
                "{}{found}{}check_it() {{\n{}\n}}\napply_it() {{\n{}\n}}\n\
                 if ! (check_it) >/dev/null 2>&1; then\n(set -e; apply_it)\n\
                 (check_it) || {{ printf '%s\\n' {} >&2; exit 1; }}\nfi\nrm -rf /var/lib/apt/lists/*",
                here.image_prologue(),
                step.functions,
                super::body(&step.check),
                super::body(&step.apply),
                quote(&format!("error: step {id}: it was applied, but its check still fails ({description})")),
            );
            let shell = with_helpers(&here.shell(&text).map_err(|e| format!("step {id}: {e}"))?);
            out.push((id.clone(), description.clone(), shell));
        }
        if !step.then.is_empty() {
            found.push_str(&step.then);
            found.push('\n');
        }
    }
    Ok(out)
}

/// The steps that are dependency installs, as the image runs them: each with the variables of
/// where it runs (the image's directories and ports) and the tools the steps before it found
/// outside PATH.
fn installs(project: &Project, steps: &[(String, String, ScriptStep)], here: &Here) -> Result<Vec<Install>, String> {
    let is_install = |id: &str| steps.iter().any(|(other, _, step)| other == id && step.stamp.is_some());
    let mut found = String::new();
    let mut out = Vec::new();
    for (id, description, step) in steps {
        if step.stamp.is_none() {
            if !step.then.is_empty() {
                found.push_str(&step.then);
                found.push('\n');
            }
            continue;
        }
        let text = format!("{}{found}{}{}", here.image_prologue(), step.functions, super::body(&step.apply));
        let shell = with_helpers(&here.shell(&text).map_err(|e| format!("step {id}: {e}"))?);
        out.push(Install {
            id: id.clone(),
            description: description.clone(),
            inputs: step.inputs.clone(),
            stamp: step.stamp.clone(),
            shell: shell.trim_end_matches('\n').to_string(),
            needs: required(project, id).into_iter().filter(|r| is_install(r)).collect(),
        });
    }
    Ok(out)
}

/// The ids of the steps `id` requires, directly or through others.
fn required(project: &Project, id: &str) -> Vec<String> {
    let mut seen: Vec<usize> = Vec::new();
    let mut todo: Vec<usize> = project.steps.iter().filter(|s| s.id == id).flat_map(|s| s.requires.clone()).collect();
    while let Some(i) = todo.pop() {
        if !seen.contains(&i) {
            seen.push(i);
            todo.extend(project.steps[i].requires.iter().copied());
        }
    }
    seen.iter().map(|&i| project.steps[i].id.clone()).collect()
}

/// A step's shell text as a `RUN` runs it: `set -eu`, then the helper functions it calls.
fn with_helpers(text: &str) -> String {
    let mut shell = String::from("set -eu\n");
    for helper in helpers(text) {
        shell.push_str(helper);
        shell.push('\n');
    }
    shell.push_str(text);
    shell
}

/// The script's helper functions that `text` calls (with their comments), in the order the
/// script defines them, and those they call in turn.
fn helpers(text: &str) -> Vec<&'static str> {
    let mut defined = functions_of(PRELUDE);
    // The package manager's, for a tool whose install is decided where it is built (apt's only:
    // an export is for apt platforms).
    defined.extend(functions_of(crate::packages::APT_SCRIPT_FUNCTIONS));
    let mut wanted: Vec<&str> = Vec::new();
    let mut search = vec![text.to_string()];
    while let Some(text) = search.pop() {
        for (name, definition) in &defined {
            if !wanted.contains(name) && calls(&text, name) {
                wanted.push(name);
                search.push(definition.to_string());
            }
        }
    }
    defined.iter().filter(|(name, _)| wanted.contains(name)).map(|(_, definition)| *definition).collect()
}

/// Whether shell text names `name` as a word.
fn calls(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        !text[..at].ends_with(word) && !text[at + name.len()..].starts_with(word)
    })
}

/// The shell functions of `text` (the script's prelude, a package manager's): `(name,
/// definition with the comments above it)`.
fn functions_of(text: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut comment_start: Option<usize> = None;
    let mut open: Option<(&'static str, usize)> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_end_matches('\n');
        if let Some((name, from)) = open {
            if trimmed == "}" {
                out.push((name, text[from..offset].trim_end_matches('\n')));
                open = None;
                comment_start = None;
            }
            continue;
        }
        if trimmed.starts_with('#') {
            comment_start.get_or_insert(start);
            continue;
        }
        let from = comment_start.take().unwrap_or(start);
        if let Some((name, rest)) = trimmed.split_once("() {") {
            if rest.trim_end().ends_with('}') {
                out.push((name, text[from..offset].trim_end_matches('\n')));
            } else {
                open = Some((name, from));
            }
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A string as JSON, the quoting Dockerfile instructions accept.
fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// An `ENV` value: double-quoted, with `$` kept literal.
fn env_value(value: &str) -> String {
    json(value).replace('$', "\\$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_helpers_an_install_calls_are_found_with_their_comments() {
        let found = helpers("printf 'tool %s %s\\n' node \"$(tool_identity node)\"\nx=$(input_sha a)");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("# tool_identity NAME") && found[0].ends_with("\n}"), "{}", found[0]);
        assert!(found[1].contains("input_sha() {"), "{}", found[1]);
        assert!(helpers("my_input_sha_x; say_more").is_empty());
    }
}
