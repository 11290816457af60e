//! Version constraints as ecosystems write them, rewritten the way devup reads them
//! (`docs/recipes.md`): Python's `~=3.10` and `==3.11.*`, Ruby's `~> 3.2`.

/// PEP 440 (`requires-python`): `~=3.10` → `>=3.10, <4`, `==3.11.*` → `3.11`; clauses joined
/// with `, `. Other forms are kept as written; the draft checks them.
pub fn from_pep440(text: &str) -> String {
    text.split(',')
        .map(|clause| {
            let clause = clause.trim();
            if let Some(v) = clause.strip_prefix("~=") {
                pessimistic(v.trim())
            } else if let Some(v) = clause.strip_prefix("==") {
                v.trim().trim_end_matches(".*").to_string()
            } else {
                clause.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// RubyGems (`ruby "~> 3.2"` in a Gemfile): `~> 3.2` → `>=3.2, <4`; `= 3.2.2` → `3.2.2`.
pub fn from_gem(text: &str) -> String {
    text.split(',')
        .map(|clause| {
            let clause = clause.trim();
            if let Some(v) = clause.strip_prefix("~>") {
                pessimistic(v.trim())
            } else if let Some(v) = clause.strip_prefix('=') {
                v.trim().to_string()
            } else {
                clause.replace(' ', "")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "At least this, up to the next release of the second-to-last part": `3.2` → `>=3.2, <4`,
/// `3.2.1` → `>=3.2.1, <3.3`.
fn pessimistic(version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() < 2 {
        return format!(">={version}");
    }
    let bump_at = parts.len() - 2;
    let mut upper: Vec<String> = parts[..=bump_at].iter().map(|p| p.to_string()).collect();
    match upper[bump_at].parse::<u64>() {
        Ok(n) => upper[bump_at] = (n + 1).to_string(),
        Err(_) => return format!(">={version}"),
    }
    format!(">={version}, <{}", upper.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::Constraint;

    #[test]
    fn python() {
        assert_eq!(from_pep440(">=3.10"), ">=3.10");
        assert_eq!(from_pep440("~=3.10"), ">=3.10, <4");
        assert_eq!(from_pep440("==3.11.*"), "3.11");
        assert_eq!(from_pep440(">=3.9,<4.0"), ">=3.9, <4.0");
        for text in ["~=3.10", ">=3.9,<4.0", "==3.11.*", "^3.10"] {
            Constraint::parse(&from_pep440(text)).unwrap();
        }
    }

    #[test]
    fn ruby() {
        assert_eq!(from_gem("3.2.2"), "3.2.2");
        assert_eq!(from_gem("~> 3.2"), ">=3.2, <4");
        assert_eq!(from_gem("~> 3.2.1"), ">=3.2.1, <3.3");
        assert_eq!(from_gem(">= 3.1"), ">=3.1");
        Constraint::parse(&from_gem("~> 3.2.1")).unwrap();
    }
}
