//! `binary`: a command at a version that satisfies a constraint, for this project. The command is
//! resolved, in order, to: one already on the machine (PATH, the recipe's search paths, devup's
//! own prebuilt builds); else what the first usable way installs: a version manager the user has,
//! the system package manager when the version it offers satisfies, or a prebuilt upstream build.
//! The resolution is the project's, never the machine's: its directory goes first on the
//! project's PATH (`tools::Toolbox`), and it is recorded in `devup.lock`.
//!
//! A version is read by running the command once and cached by the binary's path, size and
//! mtime, so a converged run does not spawn it again.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, parse_args, paths};
use crate::packages::{self, PackageManager};
use crate::shell::{quote, version_test};
use crate::step::action::{self, Action, Manager, Run, Test};
use crate::step::{ScriptCx, ScriptStep};
use crate::system::Cmd;
use crate::tools::Resolution;
use crate::tools::lockfile::Locked;
use crate::tools::prebuilt::{self, Build, Spec};
use crate::version::{self, Constraint};
use crate::version_dirs;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    command: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default = "default_version_args")]
    version_args: Vec<String>,
    /// Read the version after this marker in the output (`Distrib ` for MariaDB's client).
    version_after: Option<String>,
    /// Directories searched after PATH, e.g. `~/.cargo/bin`; one `*` component matches every
    /// version directory (`~/.pyenv/versions/*/bin`), newest first.
    #[serde(default)]
    paths: Vec<String>,
    /// Ways to install the command, tried in order; the first that applies is used.
    #[serde(default)]
    install: Vec<WayArgs>,
    /// What to tell the user when no way applies or the install did not help.
    install_hint: Option<String>,
    /// Record the resolved version in devup.lock (default true).
    #[serde(default = "yes")]
    lock: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WayArgs {
    /// The tool this way uses (a version manager such as `mise` or `pyenv`): a command name
    /// looked up on PATH, or a `~/` path that must exist. Without it, the way always applies.
    with: Option<String>,
    /// A shell command (with `with`, or alone). `{version.request}` is what to ask for.
    run: Option<String>,
    /// Or: system packages per package manager, `{ apt = ["python3"], dnf = ["python3"] }`,
    /// used when that manager is here and the version it would install satisfies.
    packages: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// Or: a prebuilt upstream build, installed into devup's tools directory (see `tools::prebuilt`).
    prebuilt: Option<toml::Table>,
    /// Where this way puts the command (its version directories), searched after PATH.
    #[serde(default)]
    paths: Vec<String>,
}

fn default_version_args() -> Vec<String> {
    vec!["--version".into()]
}

struct Binary {
    command: String,
    constraint: Constraint,
    version_args: Vec<String>,
    version_after: Option<String>,
    /// Search paths (after PATH), each with the way that puts commands there, if any.
    paths: Vec<(String, Option<usize>)>,
    ways: Vec<Way>,
    install_hint: Option<String>,
    lock: bool,
    /// This machine's package manager, which installs the system libraries a prebuilt build
    /// loads.
    system_packages: Option<&'static dyn PackageManager>,
    /// What the last check decided to install, for `action` and `apply`.
    planned: Mutex<Option<Planned>>,
}

struct Way {
    with: Option<String>,
    with_path: Option<PathBuf>,
    how: How,
}

enum How {
    Run(String),
    /// Install these packages with this machine's package manager.
    Packages(&'static dyn PackageManager, Vec<String>),
    Prebuilt(Box<Spec>),
}

/// An install the check chose: which way, and for a prebuilt, which build.
#[derive(Clone)]
struct Planned {
    way: usize,
    build: Option<Build>,
    /// The exact version, when it is known before installing.
    version: Option<String>,
    /// Where a prebuilt build goes.
    home: Option<PathBuf>,
    /// System packages a prebuilt build loads that are missing here, installed with it.
    system: Vec<String>,
}

/// One command found on the machine.
struct Found {
    path: PathBuf,
    version: Option<String>,
    /// `found`, or the way whose directories hold it (`pyenv`), or `prebuilt`.
    method: String,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    Ok(Box::new(binary(args, cx)?))
}

fn binary(args: toml::Table, cx: &BuildCx) -> Result<Binary, super::BuildError> {
    let args: Args = parse_args(args)?;
    let command = cx.vars.text(&args.command)?;
    if command.is_empty() || command.contains('/') {
        return Err(format!("`command` must be a command name, not `{command}`").into());
    }
    let constraint = match &args.version {
        Some(template) => super::constraint(cx.vars, template)?,
        None => Constraint::any(),
    };
    let resolve =
        |p: &String| cx.vars.text(p).and_then(|p| paths::resolve(cx, &p, true)).map(|p| p.display().to_string());
    let mut search: Vec<(String, Option<usize>)> =
        args.paths.iter().map(|p| resolve(p).map(|p| (p, None))).collect::<Result<_, _>>()?;
    let mut ways = Vec::new();
    for way in &args.install {
        let with = way.with.as_ref().map(|w| cx.vars.text(w)).transpose()?;
        let with_path = match &with {
            Some(w) if w.starts_with("~/") || w.starts_with('/') => Some(paths::resolve(cx, w, true)?),
            _ => None,
        };
        let how = match (&way.run, &way.packages, &way.prebuilt) {
            (Some(run), None, None) => How::Run(cx.vars.shell(run)?),
            (None, Some(per_manager), None) => {
                // Only this machine's manager matters; a way for other platforms is dropped.
                let Some(manager) = packages::for_facts(cx.facts) else {
                    continue;
                };
                let Some(names) = per_manager.get(manager.name()) else {
                    continue;
                };
                let names: Vec<String> = names.iter().map(|n| cx.vars.text(n)).collect::<Result<_, _>>()?;
                if let Some(bad) = names.iter().find(|n| !packages::valid_name(n)) {
                    return Err(format!("`{bad}` is not a package name").into());
                }
                How::Packages(manager, names)
            }
            (None, None, Some(table)) => How::Prebuilt(Box::new(prebuilt_spec(table, cx)?)),
            _ => return Err("each `install` way needs exactly one of `run`, `packages` and `prebuilt`".into()),
        };
        let index = ways.len();
        search.extend(way.paths.iter().map(|p| resolve(p).map(|p| (p, Some(index)))).collect::<Result<Vec<_>, _>>()?);
        ways.push(Way { with, with_path, how });
    }
    Ok(Binary {
        command,
        constraint,
        version_args: args.version_args.iter().map(|a| cx.vars.text(a)).collect::<Result<_, _>>()?,
        version_after: args.version_after,
        paths: search,
        ways,
        install_hint: args.install_hint.map(|h| cx.vars.text(&h)).transpose()?,
        lock: args.lock,
        system_packages: packages::for_facts(cx.facts),
        planned: Mutex::new(None),
    })
}

/// A `prebuilt` table with its placeholders filled (`{{version}}` and `{{platform}}` are left
/// for the source to fill).
fn prebuilt_spec(table: &toml::Table, cx: &BuildCx) -> Result<Spec, String> {
    fn render(value: &toml::Value, cx: &BuildCx) -> Result<toml::Value, String> {
        Ok(match value {
            toml::Value::String(s) => toml::Value::String(cx.vars.text(s)?),
            toml::Value::Table(t) => toml::Value::Table(
                t.iter().map(|(k, v)| Ok((k.clone(), render(v, cx)?))).collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
    let rendered = render(&toml::Value::Table(table.clone()), cx)?;
    let spec: Spec = rendered.try_into().map_err(|e: toml::de::Error| format!("`prebuilt`: {}", e.message()))?;
    if !spec.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || spec.name.is_empty() {
        return Err(format!("`prebuilt.name` must be a plain name, not `{}`", spec.name));
    }
    Ok(spec)
}

impl Way {
    /// The tool it uses is present (none: always).
    fn tool_test(&self) -> Option<Test> {
        match (&self.with_path, &self.with) {
            (Some(path), _) => Some(Test::Exists(path.clone())),
            (None, Some(tool)) => Some(Test::CommandFound(tool.clone())),
            (None, None) => None,
        }
    }

    /// Whether the tool is present, without asking a package manager.
    fn looks_usable(&self, cx: &Cx) -> bool {
        self.tool_test().is_none_or(|test| action::holds(&test, cx))
    }

    /// When the way gives the command at the version wanted, decided where the apply runs: its
    /// tool is present, and for the system's packages the version it would install satisfies.
    /// `None`: always (a prebuilt build: whether a source offers one is the check's to find).
    fn test(&self, constraint: &Constraint) -> Option<Test> {
        let offers = match &self.how {
            How::Packages(manager, names) => names.first().map(|name| Test::PackageOffers {
                manager: Manager(*manager),
                package: name.clone(),
                version: constraint.clone(),
            }),
            How::Run(_) | How::Prebuilt(_) => None,
        };
        match (self.tool_test(), offers) {
            (Some(tool), Some(offers)) => Some(Test::All(vec![tool, offers])),
            (tool, offers) => tool.or(offers),
        }
    }

    fn name(&self) -> String {
        match (&self.with, &self.how) {
            (Some(tool), _) => tool.clone(),
            (None, How::Packages(manager, _)) => manager.name().to_string(),
            (None, How::Prebuilt(_)) => "prebuilt".to_string(),
            (None, How::Run(run)) => format!("`{run}`"),
        }
    }

    /// The way's own command, for trust and the plan.
    fn text(&self) -> String {
        match &self.how {
            How::Run(run) => format!("run `{run}`"),
            How::Packages(manager, names) => format!("install {} with {}", names.join(", "), manager.name()),
            How::Prebuilt(spec) => format!("install a prebuilt {} from {}", spec.name, spec.base),
        }
    }
}

impl Binary {
    /// Every executable of that name, in the order the project finds them: its PATH, the search
    /// paths, then devup's own prebuilt builds (newest first).
    fn candidates(&self, cx: &Cx) -> Vec<(PathBuf, Option<usize>)> {
        let path = cx.path_var();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut found: Vec<(PathBuf, Option<usize>)> = which::which_in_all(&self.command, Some(&path), &cwd)
            .map(|it| it.map(|p| (p, None)).collect())
            .unwrap_or_default();
        for (pattern, way) in &self.paths {
            for dir in version_dirs::newest(pattern) {
                if let Ok(more) = which::which_in_all(&self.command, Some(&dir), &dir) {
                    found.extend(more.map(|p| (p, *way)));
                }
            }
        }
        for (i, way) in self.ways.iter().enumerate() {
            if let How::Prebuilt(spec) = &way.how {
                for version in spec.installed(&cx.tools.root, &self.command) {
                    found.push((spec.bin_dir(&cx.tools.root, &version).join(&self.command), Some(i)));
                }
            }
        }
        // One file reached through two PATH entries (`/sbin` links to `/usr/sbin`) is one candidate.
        let mut seen = std::collections::HashSet::new();
        found.retain(|(p, _)| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
        found
    }

    fn found(&self, cx: &Cx) -> Vec<Found> {
        self.candidates(cx)
            .into_iter()
            .map(|(path, way)| Found {
                version: self.version_of(cx, &path),
                method: self.method_of(cx, &path, way),
                path,
            })
            .collect()
    }

    /// How a found command came to be: a build devup installed (wherever PATH found it), the
    /// way whose directories hold it, or simply found.
    fn method_of(&self, cx: &Cx, path: &Path, way: Option<usize>) -> String {
        let prebuilt = self.ways.iter().any(|w| match &w.how {
            How::Prebuilt(spec) => path.starts_with(cx.tools.root.join(&spec.name)),
            _ => false,
        });
        match way {
            _ if prebuilt => "prebuilt".to_string(),
            Some(w) => self.ways[w].name(),
            None => "found".to_string(),
        }
    }

    fn version_of(&self, cx: &Cx, path: &Path) -> Option<String> {
        let key = format!("version {}", self.version_args.join(" "));
        cx.memory.stamped(&key, path, || {
            let out = cx.system.run(&version_cmd(cx, path, &self.version_args)).ok()?;
            // A command that cannot run says so, often naming its own path, whose version
            // directory must not pass for the version it prints.
            if !out.success() {
                return None;
            }
            // Some tools (java) print their version on stderr.
            version::extract(&format!("{}\n{}", out.stdout, out.stderr), self.version_after.as_deref())
        })
    }

    /// Why a command's version cannot be read: its first line of error (it does not run here).
    fn why_unreadable(&self, cx: &Cx, path: &Path) -> String {
        match cx.system.run(&version_cmd(cx, path, &self.version_args)) {
            Ok(out) if !out.success() => {
                let said = out.stderr.lines().chain(out.stdout.lines()).find(|l| !l.trim().is_empty()).unwrap_or("");
                format!("{} does not run here ({}): {said}", path.display(), out.status_text())
            }
            Ok(_) => format!("no version in what {} prints", path.display()),
            Err(e) => format!("{} does not run here: {e}", path.display()),
        }
    }

    /// The lock's entry for this step, when it still satisfies the constraint.
    fn locked<'a>(&self, cx: &'a Cx) -> Option<&'a Locked> {
        cx.tools.locked(cx.step_id).filter(|l| self.lock && self.constraint.matches(&l.version))
    }

    /// Whether a found version is the one to use: a locked prebuilt build exactly (devup can
    /// install exactly that), anything else by the constraint.
    fn wanted(&self, locked: Option<&Locked>, version: &str) -> bool {
        match locked {
            // `16.14` printed by the tool is the build `16.14.0`.
            Some(l) if l.is_prebuilt() => version::lenient(version) == version::lenient(&l.version),
            _ => self.constraint.matches(version),
        }
    }

    /// What a found command resolves to: the lock's entry and the directory the project puts
    /// first on PATH (none when the inherited PATH already finds this one first).
    fn resolution_of(&self, cx: &Cx, found: &Found) -> Resolution {
        let mut version = found.version.clone().unwrap_or_default();
        let (source, checksum, platform) = match found.method.as_str() {
            "prebuilt" => {
                // The build's own version (its directory), which the lock and the index name.
                let build = self.build_of(cx, &found.path);
                if let Some(b) = &build {
                    version = b.version.clone();
                }
                (build.as_ref().map(|b| b.url.clone()), build.map(|b| b.checksum), Some(cx.tools.platform.clone()))
            }
            _ => (None, None, None),
        };
        let method = match found.method.as_str() {
            "found" => self.system_method(cx, &found.path, &version),
            other => other.to_string(),
        };
        let locked = Locked { version, method, platform, source, checksum };
        Resolution {
            locked: (self.lock && !self.constraint.is_any()).then_some(locked),
            dir: self.dir_for(cx, &found.path),
        }
    }

    /// How a command found on the machine came there: the system package manager when its
    /// database owns the file, else simply found. The lock's word is kept while the version is
    /// the same, so a converged run reads no package database.
    fn system_method(&self, cx: &Cx, path: &Path, version: &str) -> String {
        if let Some(l) = cx.tools.lock.tool.get(cx.step_id)
            && !l.is_prebuilt()
            && version::lenient(&l.version) == version::lenient(version)
        {
            return l.method.clone();
        }
        let files = [path.to_path_buf(), path.canonicalize().unwrap_or_else(|_| path.to_path_buf())];
        self.ways
            .iter()
            .find_map(|w| match &w.how {
                How::Packages(manager, _) if !manager.owners(&files).is_empty() => Some(manager.name().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "found".to_string())
    }

    /// The prebuilt build a command belongs to: the version directory under the tool's own.
    fn build_of(&self, cx: &Cx, path: &Path) -> Option<Build> {
        self.ways.iter().find_map(|w| match &w.how {
            How::Prebuilt(spec) => {
                let tool = cx.tools.root.join(&spec.name);
                let version = path.strip_prefix(&tool).ok()?.components().next()?.as_os_str().to_str()?;
                // The lock already says where the locked build came from: a converged run reads
                // no build record.
                if let Some(l) = cx.tools.lock.tool.get(cx.step_id).filter(|l| {
                    l.is_prebuilt() && l.version == version && l.platform.as_ref() == Some(&cx.tools.platform)
                }) && let (Some(url), Some(checksum)) = (&l.source, &l.checksum)
                {
                    return Some(Build { version: version.to_string(), url: url.clone(), checksum: checksum.clone() });
                }
                crate::tools::read_build_record(Some(&tool.join(version)))
            }
            _ => None,
        })
    }

    /// The directory to put first on the project's PATH for this command: none when the PATH
    /// devup was started with already finds it first.
    fn dir_for(&self, cx: &Cx, path: &Path) -> Option<PathBuf> {
        let first = which::which_in(&self.command, Some(&cx.tools.inherited_path), "/").ok();
        let same = |a: &Path, b: &Path| a.canonicalize().ok().is_some_and(|a| b.canonicalize().ok() == Some(a));
        match first {
            Some(first) if same(&first, path) => None,
            _ => path.parent().map(Path::to_path_buf),
        }
    }

    /// Chooses how to install: the first way that is usable here and would give a version
    /// that satisfies; else why none can (what each offers).
    fn plan(&self, cx: &Cx, locked: Option<&Locked>) -> Result<Planned, Vec<String>> {
        let mut why = Vec::new();
        for (i, way) in self.ways.iter().enumerate() {
            if !way.looks_usable(cx) {
                why.push(format!("{} is not here", way.name()));
                continue;
            }
            match &way.how {
                How::Run(_) => {
                    return Ok(Planned { way: i, build: None, version: None, home: None, system: Vec::new() });
                }
                // Without root nor sudo the system's packages are out of reach: a user-space way
                // (a version manager, a prebuilt build) is next.
                How::Packages(manager, _) if manager.needs_root() && !cx.facts.root && !cx.facts.sudo => {
                    why.push(format!("{} needs root, and sudo is not here", manager.name()));
                }
                How::Packages(manager, names) => match self.package_version(cx, *manager, &names[0]) {
                    Ok(version) => return Ok(Planned { way: i, build: None, version, home: None, system: Vec::new() }),
                    Err(refused) => why.push(refused),
                },
                How::Prebuilt(spec) => match (self.prebuilt_build(cx, spec, locked), missing_system(cx, spec)) {
                    (Ok(build), Ok(system)) => {
                        return Ok(Planned {
                            way: i,
                            version: Some(build.version.clone()),
                            home: Some(spec.home(&cx.tools.root, &build.version)),
                            build: Some(build),
                            system,
                        });
                    }
                    (Err(r), _) | (_, Err(r)) => why.push(r),
                },
            }
        }
        Err(why)
    }

    /// The version a package manager would install, when it satisfies; else what it offers.
    fn package_version(&self, cx: &Cx, manager: &dyn PackageManager, name: &str) -> Result<Option<String>, String> {
        let candidate = manager.candidate(cx, name);
        if self.constraint.is_any() {
            return Ok(candidate.map(|v| manager.upstream(&v)));
        }
        match candidate {
            Some(v) if self.constraint.matches(&manager.upstream(&v)) => Ok(Some(manager.upstream(&v))),
            Some(v) => Err(format!("{} would install {name} {v}", manager.name())),
            None => Err(format!("{} has no package {name}", manager.name())),
        }
    }

    /// The prebuilt build to install: the locked one when the lock has its source for this
    /// platform (no index is read), else the newest the index offers that satisfies.
    fn prebuilt_build(&self, cx: &Cx, spec: &Spec, locked: Option<&Locked>) -> Result<Build, String> {
        if let Some(l) = locked.filter(|l| l.is_prebuilt() && l.platform.as_deref() == Some(cx.tools.platform.as_str()))
            && let (Some(url), Some(checksum)) = (&l.source, &l.checksum)
            && cx.tools.mirror(spec).is_none()
        {
            return Ok(Build { version: l.version.clone(), url: url.clone(), checksum: checksum.clone() });
        }
        let exact = locked.filter(|l| l.is_prebuilt()).map(|l| l.version.as_str());
        let builds = cx.tools.builds(cx.system, spec).map_err(|e| format!("prebuilt: {e}"))?;
        let default = match &spec.default_version {
            Some(v) if self.constraint.is_any() => {
                Some(Constraint::parse(v).map_err(|e| format!("prebuilt `default_version`: {e}"))?)
            }
            _ => None,
        };
        prebuilt::choose(&builds, default.as_ref().unwrap_or(&self.constraint), exact).cloned().ok_or_else(|| {
            match exact {
                Some(v) => format!("prebuilt builds do not include the locked {v}"),
                None => format!("prebuilt builds offer {}", prebuilt::offered(&builds)),
            }
        })
    }

    fn want(&self) -> String {
        if self.constraint.is_any() {
            format!("`{}`", self.command)
        } else {
            format!("`{}` {}", self.command, self.constraint)
        }
    }

    fn hint(&self) -> String {
        self.install_hint.clone().unwrap_or_else(|| format!("install {} and run devup again", self.want()))
    }

    fn found_text(&self, cx: &Cx, found: &[Found]) -> String {
        found
            .iter()
            .map(|f| match &f.version {
                Some(v) => format!("{v} at {}", f.path.display()),
                None => self.why_unreadable(cx, &f.path),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What a way does; `planned` when the check chose it.
    fn way_actions(&self, i: usize, planned: Option<&Planned>) -> Vec<Action> {
        match &self.ways[i].how {
            How::Run(run) => vec![Action::Run(Run::new(run))],
            How::Packages(manager, names) => vec![
                Action::InstallPackagesWith { manager: Manager(*manager), names: names.clone() },
                Action::RestoreCommand {
                    manager: Manager(*manager),
                    names: names.clone(),
                    command: self.command.clone(),
                    dirs: self.paths.iter().map(|(p, _)| p.clone()).collect(),
                },
            ],
            How::Prebuilt(spec) => {
                let mut actions = Vec::new();
                if let (Some(planned), Some(manager)) = (planned, self.system_packages)
                    && !planned.system.is_empty()
                {
                    actions
                        .push(Action::InstallPackagesWith { manager: Manager(manager), names: planned.system.clone() });
                }
                actions.push(Action::InstallPrebuilt {
                    spec: spec.clone(),
                    build: planned.and_then(|p| p.build.clone()),
                    want: self.want(),
                });
                actions
            }
        }
    }

    fn set_planned(&self, planned: Option<Planned>) {
        *self.planned.lock().unwrap_or_else(|p| p.into_inner()) = planned;
    }

    fn planned(&self) -> Option<Planned> {
        self.planned.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Resource for Binary {
    fn describe(&self) -> String {
        if self.constraint.is_any() {
            format!("command {}", self.command)
        } else {
            format!("command {} {}", self.command, self.constraint)
        }
    }

    fn resolves_tool(&self) -> bool {
        true
    }

    fn check(&self, cx: &Cx) -> Status {
        self.set_planned(None);
        let locked = self.locked(cx);
        // Without a constraint any version does: the first command found is used as it is, its
        // version neither read nor locked; it goes first on the project's PATH when the user's
        // PATH does not find it (a prebuilt build, a server's own directory).
        if self.constraint.is_any()
            && locked.is_none()
            && let Some((first, _)) = self.candidates(cx).first()
        {
            let dir = self.dir_for(cx, first);
            if dir.is_some() {
                cx.tools.record(cx.step_id, Resolution { locked: None, dir });
            }
            return Status::Satisfied;
        }
        let found = self.found(cx);
        // Resolving again asks the sources for their newest: a build devup installed for an
        // earlier resolution is not a choice of the machine's, and is used again only when it
        // is still the one to have.
        let upgrading = cx.tools.upgrading(cx.step_id);
        let usable = |f: &&Found| !(upgrading && f.method == "prebuilt");
        if let Some(good) =
            found.iter().filter(usable).find(|f| f.version.as_deref().is_some_and(|v| self.wanted(locked, v)))
        {
            cx.tools.record(cx.step_id, self.resolution_of(cx, good));
            return Status::Satisfied;
        }
        let want = match locked {
            Some(l) if l.is_prebuilt() => format!("`{}` {} (locked)", self.command, l.version),
            _ => self.want(),
        };
        let status = if found.is_empty() {
            Status::missing(format!("`{}` is not on PATH", self.command))
        } else {
            Status::drifted(self.found_text(cx, &found), want.clone())
        };
        if self.ways.is_empty() {
            return status;
        }
        match self.plan(cx, locked) {
            Ok(planned) => {
                if let (How::Prebuilt(spec), Some(build)) = (&self.ways[planned.way].how, &planned.build) {
                    let locked = Locked {
                        version: build.version.clone(),
                        method: "prebuilt".into(),
                        platform: Some(cx.tools.platform.clone()),
                        source: Some(build.url.clone()),
                        checksum: Some(build.checksum.clone()),
                    };
                    let dir = Some(spec.bin_dir(&cx.tools.root, &build.version));
                    let locked = (self.lock && !self.constraint.is_any()).then_some(locked);
                    cx.tools.record(cx.step_id, Resolution { locked, dir });
                }
                self.set_planned(Some(planned));
                status
            }
            Err(why) => {
                let have =
                    if found.is_empty() { format!("no `{}` here", self.command) } else { self.found_text(cx, &found) };
                Status::cannot(format!("{have}, want {want}; {}", why.join("; ")), self.hint())
            }
        }
    }

    fn action(&self) -> String {
        let Some(planned) = self.planned() else {
            return if self.ways.is_empty() {
                format!("install nothing itself: {} comes with the steps it requires, or by hand", self.want())
            } else {
                let ways: Vec<String> = self.ways.iter().map(Way::name).collect();
                format!("install {} through the first of {} that is here by then", self.want(), ways.join(", "))
            };
        };
        let way = &self.ways[planned.way];
        match (&way.how, &planned.build) {
            (How::Prebuilt(spec), Some(build)) => {
                let home = planned.home.as_deref().map(Path::display).map(|d| d.to_string()).unwrap_or_default();
                let with = if planned.system.is_empty() {
                    String::new()
                } else {
                    format!(" (with {}, which it loads, from the system's packages)", planned.system.join(", "))
                };
                format!("install {} {}, prebuilt, into {home}{with}", spec.name, build.version)
            }
            (How::Packages(manager, names), _) => match &planned.version {
                Some(v) => format!("install {} ({} {v}) with {}", names.join(", "), self.command, manager.name()),
                None => format!("install {} with {}", names.join(", "), manager.name()),
            },
            (How::Run(run), _) => format!("install {} through {}: run `{run}`", self.want(), way.name()),
            (How::Prebuilt(spec), None) => format!("install a prebuilt {}", spec.name),
        }
    }

    /// The ways in order, each taken when its test holds where the apply runs, else the refusal.
    /// In devup the first way whose test holds is the one the check chose (`planned`) in the
    /// same state; a prebuilt way before it had no build to offer and is left out, and the
    /// chosen prebuilt way installs the build the check chose. Without a check (the export) a
    /// prebuilt way installs the build devup.lock records.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        let planned = self.planned();
        let mut chain = vec![Action::Fail {
            message: format!("devup has no way to install {} here", self.want()),
            hint: Some(self.hint()),
        }];
        for (i, way) in self.ways.iter().enumerate().rev() {
            if matches!(way.how, How::Prebuilt(_)) && planned.as_ref().is_some_and(|p| p.way > i) {
                continue;
            }
            let then = vec![Action::Hinted {
                hint: format!("installing through {} failed; {}", way.name(), self.hint()),
                actions: self.way_actions(i, planned.as_ref().filter(|p| p.way == i)),
            }];
            chain = match way.test(&self.constraint) {
                Some(test) => vec![Action::If { test, then, otherwise: chain }],
                None => then,
            };
        }
        Some(chain)
    }

    fn commands(&self) -> Vec<String> {
        self.ways.iter().map(Way::text).collect()
    }

    /// The check finds the command as a shell would (PATH, then the search paths) and reads its
    /// version; the apply tries the ways in order, each when its tool is present at run time.
    /// A command found in a search path has its directory put first on PATH for the steps
    /// after it, as devup does for the project's commands.
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        // A search path's `*` (version directories) is left for the shell to expand, newest
        // first as devup orders them: `glob_dirs` joins what exists with `:`, split by IFS.
        // The prebuilt build devup.lock records for this platform: installed exactly, and found
        // where devup puts it.
        let locked_build = self.ways.iter().find_map(|way| match &way.how {
            How::Prebuilt(spec) => cx
                .locked
                .filter(|l| l.is_prebuilt() && l.platform.as_deref() == Some(cx.platform))
                .and_then(|l| Some((spec, l, l.source.as_ref()?, l.checksum.as_ref()?))),
            _ => None,
        });
        let mut dirs: String = self
            .paths
            .iter()
            .map(|(p, _)| {
                let words: Vec<String> = cx.rel(Path::new(p)).split('*').map(quote).collect();
                format!(" $(glob_dirs {})", words.join("*"))
            })
            .collect();
        if let Some((spec, locked, ..)) = locked_build {
            dirs.push_str(&format!(" $(glob_dirs {})", cx.path(&spec.bin_dir(cx.tools_root, &locked.version))));
        }
        let command = quote(&self.command);
        let bounded = version_test(&self.constraint, "_v");
        // With a version to meet, the first command found whose version satisfies (as devup
        // resolves it: PATH, then the search paths), not merely the first found.
        let find = match &bounded {
            None if dirs.is_empty() => format!("_p=$(find_command {command})"),
            None => format!("_p=$(IFS=:; find_command {command}{dirs})"),
            Some(test) => {
                let args: Vec<String> = self.version_args.iter().map(|a| quote(a)).collect();
                let marker = self.version_after.as_deref().map(|m| format!(" {}", quote(m))).unwrap_or_default();
                format!(
                    "_p=$( (IFS=:; find_commands {command}{dirs}) | while IFS= read -r _p; do\n    \
                     _v=$(version_in \"$(\"$_p\" {} 2>&1)\"{marker}) && {test} && {{ printf '%s\\n' \"$_p\"; break; }}\n\
                     done) && [ -n \"$_p\" ]",
                    args.join(" ")
                )
            }
        };
        let then = if dirs.is_empty() {
            String::new()
        } else {
            format!(
                "if {find} && [ \"$(command -v {command} 2>/dev/null)\" != \"$_p\" ]; then PATH=\"${{_p%/*}}:$PATH\"; export PATH; fi"
            )
        };
        let check = find;
        // The apply is the step's actions (the export renders them); what an image installs
        // first and what a script cannot do are decided here, over the ways the script reaches.
        let mut packages = Vec::new();
        for way in &self.ways {
            match &way.how {
                How::Run(_) => {}
                How::Packages(manager, names) => {
                    if manager.script_functions().is_none() {
                        return Err(format!("installing through {} cannot be exported", manager.name()));
                    }
                    if packages.is_empty() && bounded.is_none() {
                        packages = names.clone();
                    }
                }
                How::Prebuilt(spec) => match locked_build {
                    Some((_, locked, ..)) if spec.links.is_some() => {
                        return Err(format!(
                            "devup.lock installs a prebuilt {} {}, whose links (a list inside the build) an exported script cannot make yet",
                            spec.name, locked.version
                        ));
                    }
                    Some((_, locked, url, checksum)) => {
                        let build =
                            Build { version: locked.version.clone(), url: url.clone(), checksum: checksum.clone() };
                        crate::shell_forms::actions::prebuilt_install(spec, &build, cx)?;
                        if packages.is_empty() {
                            packages = vec!["curl".to_string()];
                            if let Some(system) =
                                cx.facts.package_managers.first().and_then(|m| spec.system_packages.get(m))
                            {
                                packages.extend(system.iter().cloned());
                            }
                        }
                    }
                    None => {}
                },
            }
            // The script never goes past a way it always takes.
            let decided = match &way.how {
                How::Packages(_, names) => bounded.is_some() && !names.is_empty(),
                How::Run(_) | How::Prebuilt(_) => false,
            };
            if way.tool_test().is_none() && !decided {
                break;
            }
        }
        let decided_there = bounded.is_some() && !self.ways.is_empty();
        let tool_dirs = locked_build.map(|(spec, l, ..)| spec.bin_dir(cx.tools_root, &l.version)).into_iter().collect();
        Ok(ScriptStep { check, packages, then, decided_there, tool_dirs, ..ScriptStep::default() })
    }
}

/// The system packages a prebuilt build loads that are not installed here; an error when they
/// are missing and cannot be installed (no root nor sudo).
fn missing_system(cx: &Cx, spec: &Spec) -> Result<Vec<String>, String> {
    let Some(manager) = packages::for_facts(cx.facts) else { return Ok(Vec::new()) };
    let Some(names) = spec.system_packages.get(manager.name()) else { return Ok(Vec::new()) };
    let states = manager.installed(cx, names)?;
    let missing: Vec<String> = names
        .iter()
        .zip(states)
        .filter(|(_, state)| !matches!(state, packages::PackageState::Installed(_)))
        .map(|(name, _)| name.clone())
        .collect();
    if !missing.is_empty() && manager.needs_root() && !cx.facts.root && !cx.facts.sudo {
        return Err(format!(
            "a prebuilt {} loads {}, which {} installs only with root (sudo is not here)",
            spec.name,
            missing.join(", "),
            manager.name()
        ));
    }
    Ok(missing)
}

/// The command printing a found command's version, with the project's PATH: a tool written in
/// JavaScript (`#!/usr/bin/env node`: npm, yarn, pnpm) runs with the project's node, which may
/// be on no other PATH.
fn version_cmd(cx: &Cx, path: &Path, args: &[String]) -> Cmd {
    let path_var = cx.path_var().to_string_lossy().into_owned();
    Cmd::new(path).args(args).envs(&[("PATH".to_string(), path_var)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    fn stub(sb: &Sandbox, dir: &str, name: &str, version: &str) {
        let path = sb.path(&format!("{dir}/{name}"));
        sb.write(&format!("{dir}/{name}"), &format!("#!/bin/sh\necho \"{name} {version}\"\n"));
        sb.system.set_mode(&path, 0o755).unwrap();
    }

    fn build_in(sb: &Sandbox, args: &str) -> Box<dyn Resource> {
        sb.build(build, args).unwrap()
    }

    #[test]
    fn finds_a_binary_in_search_paths_and_checks_its_version() {
        let sb = Sandbox::new();
        stub(&sb, "bin", "devup-test-tool", "3.11.7");
        let dir = sb.path("bin");
        let ok =
            build_in(&sb, &format!("command = 'devup-test-tool'\nversion = '3.11'\npaths = ['{}']", dir.display()));
        assert_eq!(sb.check(ok.as_ref()), Status::Satisfied);
        let old =
            build_in(&sb, &format!("command = 'devup-test-tool'\nversion = '>=3.12'\npaths = ['{}']", dir.display()));
        assert!(matches!(sb.check(old.as_ref()), Status::Drifted { have, .. } if have.starts_with("3.11.7 at")));
    }

    #[test]
    fn the_version_is_read_once_per_binary_file() {
        let sb = Sandbox::new();
        stub(&sb, "bin", "devup-test-tool", "1.2.3");
        let b = build_in(
            &sb,
            &format!("command = 'devup-test-tool'\nversion = '1'\npaths = ['{}']", sb.path("bin").display()),
        );
        sb.check(b.as_ref());
        sb.check(b.as_ref());
        assert_eq!(sb.system.spawned(), 1);
    }

    #[test]
    fn a_shadowed_binary_that_fits_is_the_projects_with_its_directory_first_on_path() {
        let sb = Sandbox::new();
        stub(&sb, "old", "devup-test-tool", "2.0.0");
        stub(&sb, "new", "devup-test-tool", "3.0.0");
        let (old, new) = (sb.path("old"), sb.path("new"));
        let b = build_in(
            &sb,
            &format!("command = 'devup-test-tool'\nversion = '3'\npaths = ['{}', '{}']", old.display(), new.display()),
        );
        assert_eq!(sb.check(b.as_ref()), Status::Satisfied);
        let resolved = sb.tools.resolution("test.step").unwrap();
        assert_eq!(resolved.dir.as_deref(), Some(new.as_path()));
        let locked = resolved.locked.unwrap();
        assert_eq!((locked.version.as_str(), locked.method.as_str()), ("3.0.0", "found"));
    }

    #[test]
    fn a_locked_version_is_followed_while_it_satisfies() {
        let mut sb = Sandbox::new();
        stub(&sb, "a", "devup-test-tool", "3.1.0");
        stub(&sb, "b", "devup-test-tool", "3.2.0");
        let args = format!(
            "command = 'devup-test-tool'\nversion = '3'\npaths = ['{}', '{}']",
            sb.path("a").display(),
            sb.path("b").display()
        );
        let entry = Locked::found;
        sb.tools.lock.tool.insert("test.step".into(), entry("3.2.0"));
        let b = build_in(&sb, &args);
        assert_eq!(sb.check(b.as_ref()), Status::Satisfied);
        // A version found on the machine is what it is: the first that satisfies is used, and
        // the lock's difference is for the plan to tell.
        assert_eq!(sb.tools.resolution("test.step").unwrap().locked.unwrap().version, "3.1.0");
        sb.tools.lock.tool.insert("test.step".into(), Locked { method: "prebuilt".into(), ..entry("3.2.0") });
        let b = build_in(&sb, &args);
        assert_eq!(sb.check(b.as_ref()), Status::Satisfied);
        assert_eq!(
            sb.tools.resolution("test.step").unwrap().locked.unwrap().version,
            "3.2.0",
            "a locked build is exact"
        );
    }

    #[test]
    fn missing_binary_without_a_usable_way_cannot_be_done_and_says_why() {
        let sb = Sandbox::new();
        let args = "command = 'devup-no-such-tool'\nversion = '2'\ninstall_hint = 'get it from the vendor'\n\
                    [[install]]\nwith = 'devup-no-such-manager'\nrun = 'false'";
        let b = build_in(&sb, args);
        let Status::Cannot { why, hint } = sb.check(b.as_ref()) else { panic!() };
        assert!(
            why.contains("no `devup-no-such-tool` here") && why.contains("devup-no-such-manager is not here"),
            "{why}"
        );
        assert_eq!(hint, "get it from the vendor");
        let failure = sb.converge(b.as_ref()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("get it from the vendor"));
    }

    #[test]
    fn a_binary_with_no_way_is_missing_for_the_steps_that_bring_it() {
        let sb = Sandbox::new();
        let b = build_in(&sb, "command = 'devup-no-such-tool'");
        assert!(matches!(sb.check(b.as_ref()), Status::Missing { .. }));
        assert!(b.action().contains("comes with the steps it requires"), "{}", b.action());
    }

    #[test]
    fn installs_through_the_first_way_whose_tool_is_present() {
        let sb = Sandbox::new();
        stub(&sb, "mgr", "devup-test-manager", "1.0");
        let shims = sb.path("shims");
        let script = format!(
            "mkdir -p {0} && printf '#!/bin/sh\\necho tool 2.5.0\\n' > {0}/devup-test-tool && chmod +x {0}/devup-test-tool",
            shims.display()
        );
        let args = format!(
            "command = 'devup-test-tool'\nversion = '2.5'\n\
             [[install]]\nwith = 'devup-absent-manager'\nrun = 'false'\n\
             [[install]]\nwith = '{}'\nrun = \"{script}\"\npaths = ['{}']\n",
            sb.path("mgr/devup-test-manager").display(),
            shims.display()
        );
        let b = build_in(&sb, &args);
        assert!(matches!(sb.check(b.as_ref()), Status::Missing { .. }));
        assert!(b.action().contains("mkdir -p") && b.action().contains("through"), "{}", b.action());
        assert_eq!(sb.converge(b.as_ref()).unwrap(), Status::Satisfied);
        let resolved = sb.tools.resolution("test.step").unwrap();
        assert_eq!(resolved.locked.unwrap().method, sb.path("mgr/devup-test-manager").display().to_string());
    }

    /// A package manager that offers one version of everything and installs nothing (with root,
    /// when it says it needs it).
    struct Offering(&'static str, bool);

    impl PackageManager for Offering {
        fn name(&self) -> &'static str {
            "offering"
        }
        fn installed(&self, _cx: &Cx, names: &[String]) -> Result<Vec<packages::PackageState>, String> {
            Ok(names.iter().map(|_| packages::PackageState::Missing).collect())
        }
        fn candidate(&self, _cx: &Cx, _name: &str) -> Option<String> {
            Some(self.0.to_string())
        }
        fn install_command(&self, _names: &[String]) -> Cmd {
            Cmd::new("true")
        }
        fn needs_root(&self) -> bool {
            self.1
        }
        fn upstream(&self, version: &str) -> String {
            version.to_string()
        }
        fn not_found(&self, _output: &str) -> Vec<String> {
            Vec::new()
        }
    }

    fn binary_in(sb: &Sandbox, args: &str) -> Binary {
        binary(toml::from_str(args).unwrap(), &sb.build_cx()).unwrap()
    }

    fn packages_way(manager: &'static Offering) -> Way {
        Way { with: None, with_path: None, how: How::Packages(manager, vec!["devup-test-tool".into()]) }
    }

    /// The actions the chain leads to here: the branch of the first test that holds.
    fn taken(actions: &[Action], cx: &Cx) -> Vec<Action> {
        match actions {
            [Action::If { test, then, otherwise }] => taken(if action::holds(test, cx) { then } else { otherwise }, cx),
            [Action::Hinted { actions, .. }] => actions.clone(),
            other => other.to_vec(),
        }
    }

    /// Checks, then compares what the check chose with what performing the actions would do
    /// in the same state.
    fn chosen_by_both(sb: &Sandbox, b: &Binary) -> Option<usize> {
        let status = b.check(&sb.cx());
        let actions = b.actions("test.step").unwrap();
        let done = taken(&actions, &sb.cx());
        match b.planned() {
            Some(planned) => {
                assert_eq!(done, b.way_actions(planned.way, Some(&planned)), "{status:?}");
                Some(planned.way)
            }
            None => {
                assert!(matches!(done.as_slice(), [Action::Fail { .. }]), "{done:?}");
                None
            }
        }
    }

    #[test]
    fn performing_the_actions_takes_the_way_the_check_chose() {
        let mut sb = Sandbox::new();
        sb.facts.root = true;
        stub(&sb, "mgr", "devup-test-manager", "1.0");
        let manager = sb.path("mgr/devup-test-manager");
        let tool = |with: &str| format!("[[install]]\nwith = '{with}'\nrun = 'true'\n");
        // An index nobody answers: the check finds no build there.
        let unreachable = "[[install]]\nprebuilt = { name = 'devup-test-tool', index = 'npm', base = 'http://127.0.0.1:9', package = 'devup-test-tool' }\n";
        let head = "command = 'devup-test-tool'\nversion = '15'\n";

        // A version manager that is here, after one that is not.
        let b =
            binary_in(&sb, &format!("{head}{}{}", tool("devup-absent-manager"), tool(&manager.display().to_string())));
        assert_eq!(chosen_by_both(&sb, &b), Some(1));

        // The system's package when the version it offers satisfies; not when it does not.
        let mut b = binary_in(&sb, &format!("{head}{}", tool("devup-absent-manager")));
        b.ways.push(packages_way(Box::leak(Box::new(Offering("15.8.0", true)))));
        assert_eq!(chosen_by_both(&sb, &b), Some(1));
        let mut b = binary_in(&sb, &format!("{head}{}", tool("devup-absent-manager")));
        b.ways.push(packages_way(Box::leak(Box::new(Offering("14.2.0", true)))));
        assert_eq!(chosen_by_both(&sb, &b), None);
        // Without root nor sudo, not even a satisfying one; a manager that needs no root does.
        sb.facts.root = false;
        let mut b = binary_in(&sb, head);
        b.ways.push(packages_way(Box::leak(Box::new(Offering("15.8.0", true)))));
        assert_eq!(chosen_by_both(&sb, &b), None);
        let mut b = binary_in(&sb, head);
        b.ways.push(packages_way(Box::leak(Box::new(Offering("15.8.0", false)))));
        assert_eq!(chosen_by_both(&sb, &b), Some(0));
        sb.facts.root = true;

        // A prebuilt way with no build to offer is passed over for the next way...
        let b = binary_in(&sb, &format!("{head}{unreachable}{}", tool(&manager.display().to_string())));
        assert_eq!(chosen_by_both(&sb, &b), Some(1));
        // ...and the build devup.lock records is the one installed.
        sb.tools.lock.tool.insert(
            "test.step".into(),
            Locked {
                version: "15.1.0".into(),
                method: "prebuilt".into(),
                platform: Some(sb.tools.platform.clone()),
                source: Some("http://127.0.0.1:9/devup-test-tool-15.1.0.tgz".into()),
                checksum: Some(format!("{:0>64}", "1")),
            },
        );
        let b = binary_in(&sb, &format!("{head}{}{unreachable}", tool("devup-absent-manager")));
        assert_eq!(chosen_by_both(&sb, &b), Some(1));
        let Some(Action::InstallPrebuilt { build: Some(build), .. }) =
            taken(&b.actions("test.step").unwrap(), &sb.cx()).pop()
        else {
            panic!("a prebuilt install")
        };
        assert_eq!(build.version, "15.1.0");
    }

    #[test]
    fn a_failed_install_says_which_way_failed_and_what_to_do() {
        let sb = Sandbox::new();
        let args = format!(
            "command = 'devup-no-such-tool'\ninstall_hint = 'get it from the vendor'\n[[install]]\nwith = '{}'\nrun = 'exit 3'",
            sb.path("mgr").display()
        );
        std::fs::create_dir_all(sb.path("mgr")).unwrap();
        let b = build_in(&sb, &args);
        assert!(matches!(sb.check(b.as_ref()), Status::Missing { .. }));
        let failure = b.apply(&sb.cx()).unwrap_err();
        assert_eq!(
            failure.hint.as_deref(),
            Some(format!("installing through {} failed; get it from the vendor", sb.path("mgr").display()).as_str())
        );
    }

    #[test]
    fn rejects_paths_and_bad_constraints() {
        let sb = Sandbox::new();
        assert!(sb.build(build, "command = '/usr/bin/python3'").is_err());
        assert!(sb.build(build, "command = 'python3'\nversion = '>=banana'").is_err());
    }
}
