//! `devup env`: the environment the project needs, with the datastores' real ports: its
//! `[env]`, what its recipes export (DATABASE_URL, REDIS_URL, PGPORT...), and PATH with the
//! project's tool directories (a venv's bin, node_modules/.bin) first.

use std::collections::BTreeMap;

use crate::cli::{EnvFormat, Global};
use crate::error::{Result, exit};
use crate::project::Project;
use crate::settings::Settings;
use crate::state::Memory;
use crate::system::System;

pub fn run(settings: &Settings, global: &Global, format: EnvFormat) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    let (vars, path) = environment(&mut project);
    // On stderr: stdout is what a shell evaluates.
    if !global.quiet {
        for note in &project.env_notes {
            eprintln!("note: {note}");
        }
    }
    print!("{}", render(format, &vars, &path));
    Ok(exit::OK)
}

/// The project's variables (one value per name, the last one written wins) and the directories
/// to put first on PATH: its own (a venv's `bin`) and its tools', as resolved from what is
/// installed and locked. No index is read, and a converged project's versions are cached, so
/// nothing is spawned. Shared by `devup env`, activation and `devup exec`.
pub fn environment(project: &mut Project) -> (Vec<(String, String)>, Vec<String>) {
    project.tools.offline = true;
    let system = System::new();
    let memory = Memory::new(project.state.clone());
    let cx = super::read_only_cx(project, &system, &memory, super::default_jobs());
    crate::engine::check_tools(&project.steps, &cx);
    let path: Vec<String> = project.path.iter().chain(&project.tools.dirs()).map(|p| p.display().to_string()).collect();
    let mut vars: Vec<(String, String)> = Vec::new();
    for (key, value) in &project.env {
        vars.retain(|(k, _)| k != key);
        vars.push((key.clone(), value.clone()));
    }
    (vars, path)
}

/// Pure: the text for a format. Later variables of the same name win, as in a shell.
pub fn render(format: EnvFormat, vars: &[(String, String)], path: &[String]) -> String {
    let mut unique: Vec<(&str, &str)> = Vec::new();
    for (key, value) in vars {
        unique.retain(|(k, _)| k != key);
        unique.push((key, value));
    }
    let mut out = String::new();
    match format {
        EnvFormat::Shell => {
            for (key, value) in &unique {
                out.push_str(&format!("export {key}={}\n", sh_quote(value)));
            }
            if !path.is_empty() {
                out.push_str(&format!("export PATH={}\"${{PATH:+:$PATH}}\"\n", sh_quote(&path.join(":"))));
            }
        }
        EnvFormat::Fish => {
            for (key, value) in &unique {
                out.push_str(&format!("set -gx {key} {}\n", fish_quote(value)));
            }
            if !path.is_empty() {
                let dirs: Vec<String> = path.iter().map(|p| fish_quote(p)).collect();
                out.push_str(&format!("set -gx PATH {} $PATH\n", dirs.join(" ")));
            }
        }
        EnvFormat::Dotenv => {
            for (key, value) in &unique {
                out.push_str(&format!("{key}={}\n", dotenv_quote(value)));
            }
        }
        EnvFormat::Json => {
            let vars: BTreeMap<&str, &str> = unique.into_iter().collect();
            let json = serde_json::json!({ "env": vars, "path": path });
            out = serde_json::to_string_pretty(&json).expect("serialises") + "\n";
        }
    }
    out
}

fn sh_quote(value: &str) -> String {
    crate::recipe::template::quote(value)
}

pub fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// dotenv: bare when safe, else double-quoted with the escapes dotenv parsers understand.
fn dotenv_quote(value: &str) -> String {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@+,".contains(c)) {
        return value.to_string();
    }
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('$', "\\$");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vec<(String, String)> {
        vec![
            ("A".into(), "1".into()),
            ("URL".into(), "postgres://postgres@127.0.0.1:5433/app".into()),
            ("TRICKY".into(), "it's $HOME \"x\"".into()),
            ("A".into(), "2".into()),
        ]
    }

    #[test]
    fn shell_exports_evaluate_to_the_values() {
        let text = render(EnvFormat::Shell, &vars(), &["/p/.venv/bin".into()]);
        let script = format!("{text}printf '%s|%s|%s|%s' \"$A\" \"$URL\" \"$TRICKY\" \"$PATH\"");
        let out =
            std::process::Command::new("sh").arg("-c").arg(&script).env("PATH", "/usr/bin:/bin").output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "2|postgres://postgres@127.0.0.1:5433/app|it's $HOME \"x\"|/p/.venv/bin:/usr/bin:/bin"
        );
    }

    #[test]
    fn fish_dotenv_and_json() {
        let fish = render(EnvFormat::Fish, &vars(), &["/p/bin".into()]);
        assert!(fish.contains("set -gx TRICKY 'it\\'s $HOME \"x\"'\n"), "{fish}");
        assert!(fish.ends_with("set -gx PATH '/p/bin' $PATH\n"));
        let dotenv = render(EnvFormat::Dotenv, &vars(), &[]);
        assert_eq!(dotenv, "URL=postgres://postgres@127.0.0.1:5433/app\nTRICKY=\"it's \\$HOME \\\"x\\\"\"\nA=2\n");
        let json: serde_json::Value =
            serde_json::from_str(&render(EnvFormat::Json, &vars(), &["/p/bin".into()])).unwrap();
        assert_eq!(json["env"]["A"], "2");
        assert_eq!(json["path"][0], "/p/bin");
    }
}
