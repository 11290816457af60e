//! Go's own ways of naming a version: a `go.mod` directive `go 1.22` (the oldest Go that builds
//! the module: 1.22 or newer) and a toolchain name `go1.22.3` (`toolchain go1.22.3`: that
//! release). Two fixed forms, written onto devup's own syntax here: no crate is needed to read
//! them (Go's `golang.org/x/mod` has no Rust counterpart).

/// The constraint in devup's syntax: `go 1.22` → `>=1.22`, `go1.22.3` → `1.22.3`.
pub fn rewrite(text: &str) -> Result<String, String> {
    let text = text.trim();
    let text = text.strip_prefix("toolchain").map_or(text, str::trim_start);
    let (at_least, version) = if let Some(rest) = text.strip_prefix("go ") {
        (true, rest.trim())
    } else if let Some(rest) = text.strip_prefix("go").filter(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
        (false, rest)
    } else {
        return Err("Go writes `go 1.22` (that Go or newer) or `go1.22.3` (that release)".into());
    };
    if version.is_empty() || !version.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("`{version}` is not a Go release number such as 1.22 or 1.22.3"));
    }
    Ok(if at_least { format!(">={version}") } else { version.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_and_toolchains() {
        assert_eq!(rewrite("go 1.22").unwrap(), ">=1.22");
        assert_eq!(rewrite("go 1.22.1").unwrap(), ">=1.22.1");
        assert_eq!(rewrite("go1.22.3").unwrap(), "1.22.3");
        assert_eq!(rewrite("toolchain go1.23.0").unwrap(), "1.23.0");
        assert!(rewrite("golang 1.22").is_err());
        assert!(rewrite("go 1.22rc1").is_err());
        assert!(rewrite("go ").is_err());
    }
}
