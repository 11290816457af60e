//! A recipe's `Info` as text, for `devup recipes NAME`.

use std::fmt::Write;

use super::Origin;
use super::info::{Info, Param, Step};

pub fn text(info: &Info) -> String {
    let mut out = String::new();
    writeln!(out, "{}: {}", info.key(), info.description).unwrap();
    let from = match &info.origin {
        Origin::Builtin => "built in".to_string(),
        Origin::User(path) => format!("the user's recipes, {}", path.display()),
        Origin::Project(path) => format!("the project's recipes, {}", path.display()),
    };
    writeln!(out, "from: {from}").unwrap();
    if let Some(short) = &info.shorthand {
        writeln!(out, "shorthand: `{} = \"...\"` sets `{short}`", info.name).unwrap();
    }
    if !info.aliases.is_empty() {
        writeln!(out, "also called: {}", info.aliases.join(", ")).unwrap();
    }
    if !info.params.is_empty() {
        out.push_str("\nparameters:\n");
        let width = info.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for param in &info.params {
            out.push_str(&param_text(param, info, width));
        }
    }
    for (title, table) in [("names per package manager:", &info.names), ("nothing to install with:", &info.provided)] {
        if !table.is_empty() {
            writeln!(out, "\n{title}").unwrap();
            for (manager, value) in table {
                writeln!(out, "  {manager}: {value}").unwrap();
            }
        }
    }
    if !info.env.is_empty() || !info.path.is_empty() {
        out.push_str("\nenv:\n");
        for (key, value) in &info.env {
            writeln!(out, "  {key}={value}").unwrap();
        }
        if !info.path.is_empty() {
            writeln!(out, "  PATH: {} first", info.path.join(", ")).unwrap();
        }
    }
    if !info.steps.is_empty() {
        out.push_str("\nsteps:\n");
        let id_width = info.steps.iter().map(|s| s.id.len()).max().unwrap_or(0);
        let kind_width = info.steps.iter().map(|s| s.kind.len()).max().unwrap_or(0);
        for step in &info.steps {
            let line =
                format!("  {:id_width$}  {:kind_width$}  {}{}", step.id, step.kind, step.summary, conditions(step));
            writeln!(out, "{}", line.trim_end()).unwrap();
        }
    }
    out
}

/// `  port  port, default 0, 5432 when free`, and below it, its doc.
fn param_text(param: &Param, info: &Info, width: usize) -> String {
    let mut out = format!("  {:width$}  {}\n", param.name, facts(param));
    let indent = " ".repeat(width + 4);
    if !param.doc.is_empty() {
        writeln!(out, "{indent}{}", param.doc).unwrap();
    }
    for (value, recipe) in &param.variants {
        writeln!(out, "{indent}{} = \"{value}\" uses the recipe {}/{recipe}", param.name, info.section.key()).unwrap();
    }
    if !param.fields.is_empty() {
        let fields: Vec<String> = param.fields.iter().map(|f| format!("{} ({})", f.name, facts(f))).collect();
        writeln!(out, "{indent}each with: {}", fields.join("; ")).unwrap();
    }
    out
}

/// `string, default "project", one of "project", "system"`.
pub fn facts(param: &Param) -> String {
    let mut parts = vec![param.kind.to_string()];
    if param.required {
        parts.push("required".into());
    }
    if let Some(default) = &param.default {
        parts.push(format!("default {default}"));
    }
    if let Some(port) = param.preferred {
        parts.push(format!("{port} when free"));
    }
    if let Some(syntax) = param.syntax {
        parts.push(format!("written as {}", syntax.what()));
    }
    if !param.choices.is_empty() {
        let choices: Vec<String> = param.choices.iter().map(|c| format!("\"{c}\"")).collect();
        parts.push(format!("one of {}", choices.join(", ")));
    }
    if param.identifier {
        parts.push("identifier".into());
    }
    if param.secret {
        parts.push("secret".into());
    }
    parts.join(", ")
}

/// ` (for each of databases, when package_manager = apt)`.
fn conditions(step: &Step) -> String {
    let mut parts = Vec::new();
    if let Some(list) = &step.for_each {
        parts.push(format!("for each of {list}"));
    }
    if let Some(param) = &step.only_if {
        parts.push(format!("only if {param} is set"));
    }
    if !step.when.is_empty() {
        let facts: Vec<String> =
            step.when.iter().map(|(fact, values)| format!("{fact} = {}", values.join(" or "))).collect();
        parts.push(format!("when {}", facts.join(", ")));
    }
    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join("; ")) }
}
