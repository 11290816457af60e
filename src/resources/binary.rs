//! `binary`: a command is found on PATH (or in extra search paths) and its version satisfies a
//! constraint. The version is read by running the command once and cached by the binary's
//! path, size and mtime, so a converged run does not spawn it again.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{BuildCx, Cx, Failure, Resource, Status, parse_args, paths};
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
    /// A shell command that installs the binary.
    install: Option<String>,
    /// What to tell the user when there is no install command or it did not help.
    install_hint: Option<String>,
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
    install: Option<String>,
    install_hint: Option<String>,
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
    let paths = args
        .paths
        .iter()
        .map(|p| cx.vars.text(p).and_then(|p| paths::resolve(cx, &p, true)))
        .collect::<Result<_, _>>()?;
    Ok(Box::new(Binary {
        command,
        constraint,
        version_args: args
            .version_args
            .iter()
            .map(|a| cx.vars.text(a))
            .collect::<Result<_, _>>()?,
        version_after: args.version_after,
        paths,
        install: args.install.map(|i| cx.vars.shell(&i)).transpose()?,
        install_hint: args.install_hint.map(|h| cx.vars.text(&h)).transpose()?,
    }))
}

impl Binary {
    /// Every executable of that name, in the order a shell would find them.
    fn candidates(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = which::which_all(&self.command)
            .map(|it| it.collect())
            .unwrap_or_default();
        for dir in &self.paths {
            if let Ok(more) = which::which_in_all(&self.command, Some(dir), dir) {
                found.extend(more);
            }
        }
        found.dedup();
        found
    }

    fn version_of(&self, cx: &Cx, path: &Path) -> Option<String> {
        let key = format!("version {}", self.version_args.join(" "));
        cx.memory.stamped(&key, path, || {
            let out = cx
                .system
                .run(&Cmd::new(path).args(&self.version_args))
                .ok()?;
            // Some tools (java) print their version on stderr.
            version::extract(
                &format!("{}\n{}", out.stdout, out.stderr),
                self.version_after.as_deref(),
            )
        })
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
        let candidates = self.candidates();
        let Some(first) = candidates.first() else {
            return Status::missing(format!("`{}` is not on PATH", self.command));
        };
        if self.constraint.is_any() {
            return Status::Satisfied;
        }
        let found: Vec<(&PathBuf, Option<String>)> = candidates
            .iter()
            .map(|p| (p, self.version_of(cx, p)))
            .collect();
        let describe = |(path, version): &(&PathBuf, Option<String>)| match version {
            Some(v) => format!("{v} at {}", path.display()),
            None => format!("an unreadable version at {}", path.display()),
        };
        if found[0]
            .1
            .as_deref()
            .is_some_and(|v| self.constraint.matches(v))
        {
            return Status::Satisfied;
        }
        let want = format!("{} {}", self.command, self.constraint);
        match found
            .iter()
            .skip(1)
            .find(|(_, v)| v.as_deref().is_some_and(|v| self.constraint.matches(v)))
        {
            Some(good) => Status::drifted(
                format!(
                    "{} first on PATH, shadowing {}",
                    describe(&found[0]),
                    describe(good)
                ),
                format!(
                    "{want} first on PATH (put {} earlier on PATH)",
                    good.0.parent().unwrap_or(first).display()
                ),
            ),
            None => Status::drifted(
                found.iter().map(describe).collect::<Vec<_>>().join(", "),
                want,
            ),
        }
    }

    fn action(&self) -> String {
        match &self.install {
            Some(install) => format!("run `{install}`"),
            None => format!("nothing devup can do: install {} yourself", self.command),
        }
    }

    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        let hint = self.install_hint.clone().unwrap_or_else(|| {
            format!(
                "install `{}` {} and run devup again",
                self.command, self.constraint
            )
        });
        let Some(install) = &self.install else {
            return Err(Failure::new(format!(
                "devup has no way to install `{}` here",
                self.command
            ))
            .with_hint(hint));
        };
        match cx.system.run(&Cmd::shell(install).envs(cx.env)) {
            Ok(out) if out.success() => Ok(()),
            Ok(out) => Err(Failure::command(install, &out).with_hint(hint)),
            Err(e) => Err(Failure::spawn(install, &e).with_hint(hint)),
        }
    }

    fn commands(&self) -> Vec<String> {
        self.install.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    fn stub(sb: &Sandbox, dir: &str, name: &str, version: &str) {
        let path = sb.path(&format!("{dir}/{name}"));
        sb.write(
            &format!("{dir}/{name}"),
            &format!("#!/bin/sh\necho \"{name} {version}\"\n"),
        );
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
        let ok = build_in(
            &sb,
            &format!(
                "command = 'devup-test-tool'\nversion = '3.11'\npaths = ['{}']",
                dir.display()
            ),
        );
        assert_eq!(sb.check(ok.as_ref()), Status::Satisfied);
        let old = build_in(
            &sb,
            &format!(
                "command = 'devup-test-tool'\nversion = '>=3.12'\npaths = ['{}']",
                dir.display()
            ),
        );
        assert!(
            matches!(sb.check(old.as_ref()), Status::Drifted { have, .. } if have.starts_with("3.11.7 at"))
        );
    }

    #[test]
    fn the_version_is_read_once_per_binary_file() {
        let sb = Sandbox::new();
        stub(&sb, "bin", "devup-test-tool", "1.2.3");
        let b = build_in(
            &sb,
            &format!(
                "command = 'devup-test-tool'\nversion = '1'\npaths = ['{}']",
                sb.path("bin").display()
            ),
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
            &format!(
                "command = 'devup-test-tool'\nversion = '3'\npaths = ['{}', '{}']",
                old.display(),
                new.display()
            ),
        );
        let Status::Drifted { have, want } = sb.check(b.as_ref()) else {
            panic!()
        };
        assert!(
            have.contains("2.0.0 at") && have.contains("shadowing 3.0.0 at"),
            "{have}"
        );
        assert!(want.contains(&new.display().to_string()), "{want}");
    }

    #[test]
    fn missing_binary_without_install_fails_with_a_hint() {
        let sb = Sandbox::new();
        let b = build_in(
            &sb,
            "command = 'devup-no-such-tool'\ninstall_hint = 'get it from the vendor'",
        );
        assert!(matches!(sb.check(b.as_ref()), Status::Missing { .. }));
        let failure = sb.converge(b.as_ref()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("get it from the vendor"));
    }

    #[test]
    fn rejects_paths_and_bad_constraints() {
        let sb = Sandbox::new();
        assert!(sb.build(build, "command = '/usr/bin/python3'").is_err());
        assert!(
            sb.build(build, "command = 'python3'\nversion = '>=banana'")
                .is_err()
        );
    }
}
