//! `/etc/os-release`, as specified by os-release(5).

use super::Distro;

/// The distro's own file first; `/usr/lib/os-release` is the vendor copy that
/// `/etc/os-release` usually links to, and is the fallback the spec names.
const PATHS: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// Thin: the first readable file, parsed. None when neither exists (macOS,
/// minimal containers): that is a fact, not an error.
pub(super) fn read() -> Option<Distro> {
    PATHS.iter().find_map(|path| std::fs::read_to_string(path).ok()).map(|text| parse(&text))
}

/// Pure: the fields devup uses. Missing ones take the spec's defaults (`ID`
/// "linux", `NAME` "Linux"). A missing `VERSION_ID` (Arch, Debian sid) stays
/// "": rolling releases have no version, and inventing one such as "rolling"
/// would make `distro_version` comparisons lie. An empty codename is None.
pub(super) fn parse(text: &str) -> Distro {
    let mut distro = Distro {
        id: "linux".to_string(),
        version_id: String::new(),
        like: Vec::new(),
        name: "Linux".to_string(),
        codename: None,
    };
    let mut ubuntu_codename = None;
    for (key, value) in text.lines().filter_map(assignment) {
        match key {
            "ID" if !value.is_empty() => distro.id = value,
            "VERSION_ID" => distro.version_id = value,
            "ID_LIKE" => distro.like = value.split_whitespace().map(str::to_string).collect(),
            "NAME" if !value.is_empty() => distro.name = value,
            "VERSION_CODENAME" => distro.codename = Some(value).filter(|v| !v.is_empty()),
            // Older Ubuntu releases only had this one; prefer the standard key.
            "UBUNTU_CODENAME" => ubuntu_codename = Some(value).filter(|v| !v.is_empty()),
            _ => {}
        }
    }
    distro.codename = distro.codename.or(ubuntu_codename);
    distro
}

/// One `KEY=value` line, unquoted. Blank lines, comments and lines that are
/// not assignments give None; the spec says to ignore them.
fn assignment(line: &str) -> Option<(&str, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let valid_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid_key.then(|| (key, unquote(value.trim())))
}

/// Shell-style unquoting, as the spec requires: single quotes are literal,
/// double quotes honour `\$ \" \\ \``, and a bare backslash escapes the next
/// character. Quoted and bare parts may be joined (`"a"'b'c`).
fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => out.push(c),
            (_, '\\') => match chars.next() {
                Some(next) if quote.is_none() || "$\"\\`".contains(next) => out.push(next),
                // Inside double quotes other backslashes are kept, as in sh.
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Distro {
        let text = match name {
            "debian-12" => include_str!("../../tests/fixtures/facts/os-release/debian-12"),
            "debian-13" => include_str!("../../tests/fixtures/facts/os-release/debian-13"),
            "ubuntu-22.04" => include_str!("../../tests/fixtures/facts/os-release/ubuntu-22.04"),
            "ubuntu-24.04" => include_str!("../../tests/fixtures/facts/os-release/ubuntu-24.04"),
            "fedora-40" => include_str!("../../tests/fixtures/facts/os-release/fedora-40"),
            "arch" => include_str!("../../tests/fixtures/facts/os-release/arch"),
            "alpine-3.20" => include_str!("../../tests/fixtures/facts/os-release/alpine-3.20"),
            "rocky-9" => include_str!("../../tests/fixtures/facts/os-release/rocky-9"),
            _ => panic!("no fixture {name}"),
        };
        parse(text)
    }

    fn distro(id: &str, version: &str, like: &[&str], name: &str, codename: Option<&str>) -> Distro {
        Distro {
            id: id.to_string(),
            version_id: version.to_string(),
            like: like.iter().map(|s| s.to_string()).collect(),
            name: name.to_string(),
            codename: codename.map(str::to_string),
        }
    }

    #[test]
    fn debian() {
        let expected = distro("debian", "12", &[], "Debian GNU/Linux", Some("bookworm"));
        assert_eq!(fixture("debian-12"), expected);
        let expected = distro("debian", "13", &[], "Debian GNU/Linux", Some("trixie"));
        assert_eq!(fixture("debian-13"), expected);
    }

    #[test]
    fn ubuntu() {
        let expected = distro("ubuntu", "22.04", &["debian"], "Ubuntu", Some("jammy"));
        assert_eq!(fixture("ubuntu-22.04"), expected);
        let expected = distro("ubuntu", "24.04", &["debian"], "Ubuntu", Some("noble"));
        assert_eq!(fixture("ubuntu-24.04"), expected);
    }

    #[test]
    fn fedora_has_an_empty_codename() {
        let expected = distro("fedora", "40", &[], "Fedora Linux", None);
        assert_eq!(fixture("fedora-40"), expected);
    }

    #[test]
    fn arch_has_no_version() {
        let expected = distro("arch", "", &[], "Arch Linux", None);
        assert_eq!(fixture("arch"), expected);
    }

    #[test]
    fn alpine() {
        let expected = distro("alpine", "3.20.0", &[], "Alpine Linux", None);
        assert_eq!(fixture("alpine-3.20"), expected);
    }

    #[test]
    fn rocky_quotes_id_and_like() {
        let like = ["rhel", "centos", "fedora"];
        let expected = distro("rocky", "9.4", &like, "Rocky Linux", None);
        assert_eq!(fixture("rocky-9"), expected);
    }

    #[test]
    fn empty_text_gives_the_spec_defaults() {
        assert_eq!(parse(""), distro("linux", "", &[], "Linux", None));
    }

    #[test]
    fn comments_blank_lines_and_junk_are_ignored() {
        let text = "# NAME=Nope\n\n  ID=void  \nnot an assignment\nBAD KEY=x\n";
        assert_eq!(parse(text), distro("void", "", &[], "Linux", None));
    }

    #[test]
    fn ubuntu_codename_is_the_fallback() {
        let text = "ID=ubuntu\nUBUNTU_CODENAME=xenial\n";
        assert_eq!(parse(text).codename.as_deref(), Some("xenial"));
        let text = "UBUNTU_CODENAME=jammy\nVERSION_CODENAME=noble\n";
        assert_eq!(parse(text).codename.as_deref(), Some("noble"));
    }

    #[test]
    fn unquoting_follows_the_shell() {
        assert_eq!(unquote(r#""Debian GNU/Linux""#), "Debian GNU/Linux");
        assert_eq!(unquote("'single $quoted'"), "single $quoted");
        assert_eq!(unquote(r#""say \"hi\" \$HOME \\ \n""#), r#"say "hi" $HOME \ \n"#);
        assert_eq!(unquote(r"bare\ word"), "bare word");
        assert_eq!(unquote(r#""a"'b'c"#), "abc");
        assert_eq!(unquote(r#""unterminated"#), "unterminated");
        assert_eq!(unquote(""), "");
    }
}
