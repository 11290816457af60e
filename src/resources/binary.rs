//! `binary`: a command is found on PATH (or in extra search paths) and its version satisfies a
//! constraint. The version is read by running the command once and cached by the binary's
//! path, size and mtime, so a converged run does not spawn it again.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{BuildCx, Cx, Failure, Resource, Status, parse_args, paths};
use crate::export::{ScriptCx, ScriptStep, quote, version_test};
use crate::packages::{self, PackageManager};
use crate::system::Cmd;
use crate::version::{self, Constraint};

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
    /// Directories searched after PATH, e.g. `~/.cargo/bin`.
    #[serde(default)]
    paths: Vec<String>,
    /// Ways to install the command, tried in order; the first that applies is used.
    #[serde(default)]
    install: Vec<WayArgs>,
    /// What to tell the user when no way applies or the install did not help.
    install_hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WayArgs {
    /// The tool this way uses (a version manager such as `mise` or `pyenv`): a command name
    /// looked up on PATH, or a `~/` path that must exist. Without it, the way always applies.
    with: Option<String>,
    /// A shell command (with `with`, or alone).
    run: Option<String>,
    /// Or: system packages per package manager, `{ apt = ["python3"], dnf = ["python3"] }`,
    /// used when that manager is here and the version it would install satisfies.
    packages: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// Where this way puts the command (its shims), searched after PATH.
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
    paths: Vec<PathBuf>,
    ways: Vec<Way>,
    install_hint: Option<String>,
    /// Set by the last check when the right version is installed but another comes first on
    /// PATH: (the one in front, the right one). Installing would not help; PATH must change.
    shadowed: std::sync::Mutex<Option<(PathBuf, PathBuf)>>,
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
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, String> {
    let args: Args = parse_args(args)?;
    let command = cx.vars.text(&args.command)?;
    if command.is_empty() || command.contains('/') {
        return Err(format!("`command` must be a command name, not `{command}`"));
    }
    let constraint = match &args.version {
        Some(text) => {
            let text = cx.vars.text(text)?;
            Constraint::parse(&text).map_err(|e| format!("version `{text}`: {e}"))?
        }
        None => Constraint::any(),
    };
    let resolve = |p: &String| cx.vars.text(p).and_then(|p| paths::resolve(cx, &p, true));
    let mut search: Vec<PathBuf> = args.paths.iter().map(resolve).collect::<Result<_, _>>()?;
    let mut ways = Vec::new();
    for way in &args.install {
        search.extend(way.paths.iter().map(resolve).collect::<Result<Vec<_>, _>>()?);
        let with = way.with.as_ref().map(|w| cx.vars.text(w)).transpose()?;
        let with_path = match &with {
            Some(w) if w.starts_with("~/") || w.starts_with('/') => Some(paths::resolve(cx, w, true)?),
            _ => None,
        };
        let how = match (&way.run, &way.packages) {
            (Some(run), None) => How::Run(cx.vars.shell(run)?),
            (None, Some(per_manager)) => {
                // Only this machine's manager matters; a way for other platforms is dropped.
                let Some(manager) = packages::for_facts(cx.facts) else {
                    continue;
                };
                let Some(names) = per_manager.get(manager.name()) else {
                    continue;
                };
                let names: Vec<String> = names.iter().map(|n| cx.vars.text(n)).collect::<Result<_, _>>()?;
                if let Some(bad) = names.iter().find(|n| !packages::valid_name(n)) {
                    return Err(format!("`{bad}` is not a package name"));
                }
                How::Packages(manager, names)
            }
            _ => return Err("each `install` way needs exactly one of `run` and `packages`".into()),
        };
        ways.push(Way { with, with_path, how });
    }
    Ok(Box::new(Binary {
        command,
        constraint,
        version_args: args.version_args.iter().map(|a| cx.vars.text(a)).collect::<Result<_, _>>()?,
        version_after: args.version_after,
        paths: search,
        ways,
        install_hint: args.install_hint.map(|h| cx.vars.text(&h)).transpose()?,
        shadowed: std::sync::Mutex::new(None),
    }))
}

/// Why a way to install cannot be used.
enum Unusable {
    /// Its tool is not on this machine.
    Absent,
    /// Its tool is here but would not give a satisfying version.
    Refused(String),
}

impl Way {
    /// Whether this way can be used here; if not, why (for the failure message).
    fn usable(&self, cx: &Cx, constraint: &Constraint) -> Result<(), Unusable> {
        if !self.looks_usable() {
            return Err(Unusable::Absent);
        }
        let How::Packages(manager, names) = &self.how else {
            return Ok(());
        };
        if constraint.is_any() {
            return Ok(());
        }
        match manager.candidate(cx, &names[0]) {
            Some(version) if constraint.matches(&manager.upstream(&version)) => Ok(()),
            Some(version) => Err(Unusable::Refused(format!("{} would install {} {version}", manager.name(), names[0]))),
            None => Err(Unusable::Refused(format!("{} has no package {}", manager.name(), names[0]))),
        }
    }

    /// Whether the tool is present, without asking a package manager (for the plan).
    fn looks_usable(&self) -> bool {
        match (&self.with_path, &self.with) {
            (Some(path), _) => path.exists(),
            (None, Some(tool)) => which::which(tool).is_ok(),
            (None, None) => true,
        }
    }

    fn name(&self) -> String {
        match (&self.with, &self.how) {
            (Some(tool), _) => tool.clone(),
            (None, How::Packages(manager, _)) => manager.name().to_string(),
            (None, How::Run(run)) => format!("`{run}`"),
        }
    }

    fn action(&self) -> String {
        match &self.how {
            How::Run(run) => format!("run `{run}`"),
            How::Packages(manager, names) => {
                format!("install {} with {}", names.join(", "), manager.name())
            }
        }
    }

    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        match &self.how {
            How::Packages(manager, names) => manager.install(cx, names),
            How::Run(run) => match cx.system.run(&Cmd::shell(run).envs(cx.env)) {
                Ok(out) if out.success() => Ok(()),
                Ok(out) => Err(Failure::command(run, &out)),
                Err(e) => Err(Failure::spawn(run, &e)),
            },
        }
    }
}

impl Binary {
    /// Every executable of that name, in the order a shell would find them.
    fn candidates(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = which::which_all(&self.command).map(|it| it.collect()).unwrap_or_default();
        for dir in &self.paths {
            if let Ok(more) = which::which_in_all(&self.command, Some(dir), dir) {
                found.extend(more);
            }
        }
        // One file reached through two PATH entries (`/sbin` links to `/usr/sbin`) is one candidate.
        let mut seen = std::collections::HashSet::new();
        found.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
        found
    }

    fn version_of(&self, cx: &Cx, path: &Path) -> Option<String> {
        let key = format!("version {}", self.version_args.join(" "));
        cx.memory.stamped(&key, path, || {
            let out = cx.system.run(&Cmd::new(path).args(&self.version_args)).ok()?;
            // Some tools (java) print their version on stderr.
            version::extract(&format!("{}\n{}", out.stdout, out.stderr), self.version_after.as_deref())
        })
    }

    /// Where the command was (a file or a dangling link in a PATH or search directory) and
    /// what such a link points at: the files whose packages put the command back.
    fn removed_files(&self) -> Vec<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::env::split_paths(&path).chain(self.paths.iter().cloned());
        let mut files = Vec::new();
        for dir in dirs {
            let file = dir.join(&self.command);
            if let Ok(target) = std::fs::read_link(&file) {
                files.push(dir.join(target));
            }
            files.push(file);
        }
        files
    }

    /// What was found, for a failure message: "3.9.2 at /usr/bin/python3".
    fn found_text(&self, cx: &Cx) -> String {
        let found: Vec<String> = self
            .candidates()
            .iter()
            .map(|p| {
                format!("{} at {}", self.version_of(cx, p).unwrap_or_else(|| "an unknown version".into()), p.display())
            })
            .collect();
        if found.is_empty() {
            format!("no `{}` was found", self.command)
        } else {
            format!("found {}", found.join(", "))
        }
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

    fn check(&self, cx: &Cx) -> Status {
        *self.shadowed.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let candidates = self.candidates();
        let Some(first) = candidates.first() else {
            return Status::missing(format!("`{}` is not on PATH", self.command));
        };
        if self.constraint.is_any() {
            return Status::Satisfied;
        }
        let found: Vec<(&PathBuf, Option<String>)> = candidates.iter().map(|p| (p, self.version_of(cx, p))).collect();
        let describe = |(path, version): &(&PathBuf, Option<String>)| match version {
            Some(v) => format!("{v} at {}", path.display()),
            None => format!("an unreadable version at {}", path.display()),
        };
        if found[0].1.as_deref().is_some_and(|v| self.constraint.matches(v)) {
            return Status::Satisfied;
        }
        let want = format!("{} {}", self.command, self.constraint);
        match found.iter().skip(1).find(|(_, v)| v.as_deref().is_some_and(|v| self.constraint.matches(v))) {
            Some(good) => {
                *self.shadowed.lock().unwrap_or_else(|p| p.into_inner()) = Some((found[0].0.clone(), good.0.clone()));
                Status::drifted(
                    format!("{} first on PATH, shadowing {}", describe(&found[0]), describe(good)),
                    format!(
                        "{want} first on PATH (put {} earlier on PATH)",
                        good.0.parent().unwrap_or(first).display()
                    ),
                )
            }
            None => Status::drifted(found.iter().map(describe).collect::<Vec<_>>().join(", "), want),
        }
    }

    fn action(&self) -> String {
        if let Some((front, good)) = self.shadowed.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return format!(
                "install nothing: put {} earlier on PATH than {}, or remove {}",
                good.parent().unwrap_or(good).display(),
                front.parent().unwrap_or(front).display(),
                front.display()
            );
        }
        match self.ways.iter().find(|w| w.looks_usable()) {
            Some(way) => way.action(),
            None if self.constraint.is_any() => {
                format!("install nothing itself: `{}` comes with the steps it requires, or by hand", self.command)
            }
            None => format!(
                "install nothing itself: `{}` {} comes with the steps it requires, or by hand",
                self.command, self.constraint
            ),
        }
    }

    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        // Read and release the lock first: `action` takes it again.
        let shadowed = self.shadowed.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((front, good)) = shadowed {
            return Err(Failure::new(format!(
                "`{}` at {} comes first on PATH; the one that fits is {}",
                self.command,
                front.display(),
                good.display()
            ))
            .with_hint(self.action().replacen("install nothing: ", "", 1)));
        }
        let mut hint = self
            .install_hint
            .clone()
            .unwrap_or_else(|| format!("install `{}` {} and run devup again", self.command, self.constraint));
        let mut absent = Vec::new();
        let mut refused = Vec::new();
        for way in &self.ways {
            match way.usable(cx, &self.constraint) {
                Ok(()) => {
                    let result = way.apply(cx).and_then(|()| match &way.how {
                        // Installed by the package database, yet the command is gone (removed
                        // by hand): only a reinstall puts the files back.
                        How::Packages(manager, names) if self.candidates().is_empty() => {
                            let owners = manager.owners(&self.removed_files());
                            manager.reinstall(cx, if owners.is_empty() { names } else { &owners })
                        }
                        _ => Ok(()),
                    });
                    return result.map_err(|f| {
                        let why = format!("installing through {} failed; {hint}", way.name());
                        Failure { hint: Some(f.hint.map_or(why.clone(), |h| format!("{h}; {why}"))), ..f }
                    });
                }
                Err(Unusable::Absent) => absent.push(way.name()),
                Err(Unusable::Refused(why)) => refused.push(why),
            }
        }
        if !absent.is_empty() {
            hint.push_str(&format!(" (devup can install it through: {}; none is here)", absent.join(", ")));
        }
        if !refused.is_empty() {
            hint.push_str(&format!(" ({})", refused.join("; ")));
        }
        let message =
            format!("devup has no way to install `{}` {} here: {}", self.command, self.constraint, self.found_text(cx));
        Err(Failure::new(message).with_hint(hint))
    }

    fn commands(&self) -> Vec<String> {
        self.ways.iter().map(Way::action).collect()
    }

    /// The check finds the command as a shell would (PATH, then the search paths) and reads its
    /// version; the apply tries the ways in order, each when its tool is present at run time.
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let dirs: String = self.paths.iter().map(|p| format!(" {}", cx.path(p))).collect();
        let find = format!("_p=$(find_command {}{dirs})", quote(&self.command));
        let check = match version_test(&self.constraint, "_v") {
            None => find,
            Some(test) => {
                let args: Vec<String> = self.version_args.iter().map(|a| quote(a)).collect();
                let marker = self.version_after.as_deref().map(|m| format!(" {}", quote(m))).unwrap_or_default();
                format!("{find} &&\n_v=$(version_in \"$(\"$_p\" {} 2>&1)\"{marker}) &&\n{test}", args.join(" "))
            }
        };
        let mut apply = String::new();
        let mut packages = Vec::new();
        let mut always = false;
        for (i, way) in self.ways.iter().enumerate() {
            let condition = match (&way.with_path, &way.with) {
                (Some(path), _) => Some(format!("test -e {}", cx.path(path))),
                (None, Some(tool)) => Some(format!("command -v {} >/dev/null 2>&1", quote(tool))),
                (None, None) => None,
            };
            let action = match &way.how {
                How::Run(run) => run.clone(),
                How::Packages(manager, names) => {
                    if manager.script_functions().is_none() {
                        return Err(format!("installing through {} cannot be exported", manager.name()));
                    }
                    if packages.is_empty() {
                        packages = names.clone();
                    }
                    let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
                    format!("pkg_install {}", names.join(" "))
                }
            };
            let keyword = if i == 0 { "if" } else { "elif" };
            match condition {
                Some(condition) => apply.push_str(&format!("{keyword} {condition}; then\n{action}\n")),
                None if i == 0 => {
                    apply = format!("if true; then\n{action}\n");
                    always = true;
                    break;
                }
                None => {
                    apply.push_str(&format!("else\n{action}\n"));
                    always = true;
                    break;
                }
            }
        }
        let hint = self
            .install_hint
            .clone()
            .unwrap_or_else(|| format!("install `{}` {} and run this script again", self.command, self.constraint));
        let missing = format!(
            "printf '%s\\n' {} >&2\nexit 1",
            quote(&format!("error: no way to install `{}` {} is here; hint: {hint}", self.command, self.constraint))
        );
        let apply = match (apply.is_empty(), always) {
            (true, _) => missing,
            (false, true) => format!("{apply}fi"),
            (false, false) => format!("{apply}else\n{missing}\nfi"),
        };
        Ok(ScriptStep { check, apply, packages, ..ScriptStep::default() })
    }
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
    fn reports_a_shadowed_binary_with_both_paths() {
        let sb = Sandbox::new();
        stub(&sb, "old", "devup-test-tool", "2.0.0");
        stub(&sb, "new", "devup-test-tool", "3.0.0");
        let (old, new) = (sb.path("old"), sb.path("new"));
        let b = build_in(
            &sb,
            &format!("command = 'devup-test-tool'\nversion = '3'\npaths = ['{}', '{}']", old.display(), new.display()),
        );
        let Status::Drifted { have, want } = sb.check(b.as_ref()) else { panic!() };
        assert!(have.contains("2.0.0 at") && have.contains("shadowing 3.0.0 at"), "{have}");
        assert!(want.contains(&new.display().to_string()), "{want}");
    }

    #[test]
    fn missing_binary_without_a_way_fails_listing_what_was_found() {
        let sb = Sandbox::new();
        let args = "command = 'devup-no-such-tool'\ninstall_hint = 'get it from the vendor'\n\
                    [[install]]\nwith = 'devup-no-such-manager'\nrun = 'false'";
        let b = build_in(&sb, args);
        assert!(matches!(sb.check(b.as_ref()), Status::Missing { .. }));
        let failure = sb.converge(b.as_ref()).unwrap_err();
        assert!(failure.message.contains("no `devup-no-such-tool` was found"), "{}", failure.message);
        assert_eq!(
            failure.hint.as_deref(),
            Some("get it from the vendor (devup can install it through: devup-no-such-manager; none is here)")
        );
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
        assert!(b.action().contains("mkdir -p"), "{}", b.action());
        assert_eq!(sb.converge(b.as_ref()).unwrap(), Status::Satisfied);
    }

    #[test]
    fn rejects_paths_and_bad_constraints() {
        let sb = Sandbox::new();
        assert!(sb.build(build, "command = '/usr/bin/python3'").is_err());
        assert!(sb.build(build, "command = 'python3'\nversion = '>=banana'").is_err());
    }
}
