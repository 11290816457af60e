//! RubyGems requirements (a Gemfile's `ruby "~> 3.1"`): `~> 3.1`, `>= 3.1, < 3.4`, `= 3.2.2`.
//!
//! No maintained Rust crate reads them (the few on crates.io are unmaintained ports of Bundler),
//! and they need none: RubyGems compares release numbers as PEP 440 does, zero-padded, and its
//! operators are PEP 440's but two, `=` (`==`) and `~>` (`~=`, or `>=X, <X+1` for a single
//! number, which `~=` refuses). So a requirement is rewritten onto PEP 440 and read by
//! `pep440_rs`, operator for operator.

use pep440_rs::VersionSpecifiers;

pub fn parse(text: &str) -> Result<VersionSpecifiers, String> {
    let mut clauses = Vec::new();
    for clause in text.split(',') {
        let clause = clause.trim();
        let op_end = clause.find(|c: char| c.is_ascii_digit()).unwrap_or(clause.len());
        let (op, version) = (clause[..op_end].trim(), clause[op_end..].trim());
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(format!("`{clause}` is not an operator and a version"));
        }
        let rewritten = match op {
            "~>" if !version.contains('.') => format!(">={version}, <{}", bump(version)?),
            "~>" => format!("~={version}"),
            "=" | "" => format!("=={version}"),
            "!=" | ">=" | "<=" | ">" | "<" => format!("{op}{version}"),
            _ => return Err(format!("`{op}` is not a RubyGems operator (=, !=, >, <, >=, <=, ~>)")),
        };
        clauses.push(rewritten);
    }
    super::pep440::parse(&clauses.join(", "))
}

fn bump(major: &str) -> Result<u64, String> {
    major.parse::<u64>().map(|n| n + 1).map_err(|_| format!("`{major}` is not a version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(requirement: &str, version: &str) -> bool {
        super::super::pep440::matches(&parse(requirement).unwrap(), version)
    }

    #[test]
    fn pessimistic_and_other_operators() {
        assert!(ok("~> 3.1", "3.3.5"));
        assert!(!ok("~> 3.1", "4.0.0"));
        assert!(!ok("~> 3.1", "3.0.6"));
        assert!(ok("~> 3.1.2", "3.1.9"));
        assert!(!ok("~> 3.1.2", "3.2.0"));
        assert!(ok("~> 3", "3.4.1"));
        assert!(!ok("~> 3", "4.0.0"));
        assert!(ok(">= 3.1, < 3.4", "3.3.0"));
        assert!(!ok(">= 3.1, < 3.4", "3.4.0"));
        assert!(ok("= 3.2.2", "3.2.2"));
        assert!(!ok("= 3.2.2", "3.2.3"));
        assert!(!ok("!= 3.2.2", "3.2.2"));
    }

    #[test]
    fn what_is_not_a_requirement() {
        assert!(parse("^3.1").unwrap_err().contains("not a RubyGems operator"));
        assert!(parse("~>").is_err());
        assert!(parse(">= 3.1 < 3.4").is_err());
    }
}
