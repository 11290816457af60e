//! POSIX shell words: quoting (for the commands devup shows and the scripts it writes), a
//! project's variables as `export` lines, and a version constraint as a shell test.

use std::borrow::Cow;

use crate::version::Constraint;

/// Shell-quotes one word. NUL cannot be passed to a process at all, so it is dropped.
pub fn quote(word: &str) -> String {
    let clean: Cow<str> = if word.contains('\0') { Cow::Owned(word.replace('\0', "")) } else { Cow::Borrowed(word) };
    shlex::try_quote(&clean).map(Cow::into_owned).unwrap_or_else(|_| "''".to_string())
}

/// A shell condition true when the version in `$var` (an `x.y.z` from `version_in`) satisfies
/// `constraint`; `None` for any version.
pub fn version_test(constraint: &Constraint, var: &str) -> Option<String> {
    let alternatives = constraint.alternatives();
    if alternatives.is_empty() {
        return None;
    }
    let tests: Vec<String> = alternatives
        .iter()
        .map(|bounds| {
            let words: Vec<String> = bounds.iter().map(|(op, v)| format!("{} {v}", quote(op))).collect();
            format!("version_matches \"${var}\" {}", words.join(" "))
        })
        .collect();
    // npm's `18 || 20`: any alternative.
    Some(if tests.len() == 1 { tests.concat() } else { format!("{{ {}; }}", tests.join(" || ")) })
}

/// Shell lines that `export` each variable.
pub fn exports(env: &[(String, String)]) -> String {
    env.iter().map(|(k, v)| format!("export {k}={}\n", quote(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::Syntax;

    /// Runs the test a script would, with the prelude's `version_matches`.
    fn passes(syntax: Syntax, constraint: &str, version: &str) -> bool {
        let constraint = Constraint::parse_as(syntax, constraint).unwrap();
        let test = version_test(&constraint, "_v").expect("a bounded constraint");
        let script = format!("{}\n_v={version}\n{test}\n", include_str!("export/prelude.sh"));
        std::process::Command::new("sh").arg("-c").arg(script).status().unwrap().success()
    }

    #[test]
    fn each_syntax_becomes_bounds_a_shell_compares() {
        assert!(passes(Syntax::Pep440, "~=3.11", "3.13.2"));
        assert!(!passes(Syntax::Pep440, "~=3.11", "4.0.0"));
        assert!(passes(Syntax::Npm, ">=18 <21", "20.11.1"));
        assert!(!passes(Syntax::Npm, ">=18 <21", "21.0.0"));
        // npm's `||`: either alternative.
        assert!(passes(Syntax::Npm, "18 || 22", "18.19.0"));
        assert!(passes(Syntax::Npm, "18 || 22", "22.1.0"));
        assert!(!passes(Syntax::Npm, "18 || 22", "20.1.0"));
        assert!(passes(Syntax::Gem, "~> 3.1", "3.3.0"));
        assert!(!passes(Syntax::Go, "go 1.22", "1.21.9"));
        assert_eq!(version_test(&Constraint::parse_as(Syntax::Npm, "*").unwrap(), "_v"), None);
    }
}
