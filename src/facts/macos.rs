//! macOS's release, from SystemVersion.plist (what `sw_vers` prints, without
//! spawning it).

use super::Distro;

const PATH: &str = "/System/Library/CoreServices/SystemVersion.plist";

/// Thin: None when the file is missing or has no version.
pub(super) fn read() -> Option<Distro> {
    std::fs::read_to_string(PATH).ok().and_then(|text| parse(&text))
}

/// Pure: `ProductVersion` becomes `version_id`. The plist carries no
/// marketing name ("Sonoma"), and a table of them would go stale, so
/// `codename` stays None.
pub(super) fn parse(plist: &str) -> Option<Distro> {
    let version = string_for_key(plist, "ProductVersion")?;
    Some(Distro {
        id: "macos".to_string(),
        version_id: version,
        like: Vec::new(),
        name: "macOS".to_string(),
        codename: None,
    })
}

/// The `<string>` right after `<key>{key}</key>` in a flat plist dict. The
/// file is a tiny, Apple-written dict of strings, so a full XML parser would
/// be a dependency for nothing.
fn string_for_key(plist: &str, key: &str) -> Option<String> {
    let after_key = plist.split_once(&format!("<key>{key}</key>"))?.1;
    let value = after_key.trim_start().strip_prefix("<string>")?;
    let (value, _) = value.split_once("</string>")?;
    let value = unescape(value.trim());
    (!value.is_empty()).then_some(value)
}

/// The XML entities a plist writer emits.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SONOMA: &str = include_str!("../../tests/fixtures/facts/macos/SystemVersion-14.plist");

    #[test]
    fn sonoma() {
        let expected = Distro {
            id: "macos".to_string(),
            version_id: "14.0".to_string(),
            like: Vec::new(),
            name: "macOS".to_string(),
            codename: None,
        };
        assert_eq!(parse(SONOMA), Some(expected));
    }

    #[test]
    fn other_keys_are_readable_too() {
        assert_eq!(string_for_key(SONOMA, "ProductBuildVersion").as_deref(), Some("23A344"));
        assert_eq!(string_for_key(SONOMA, "iOSSupportVersion").as_deref(), Some("17.0"));
    }

    #[test]
    fn the_whole_key_must_match() {
        // Rapid Security Responses make the user-visible version differ.
        let plist = "<key>ProductUserVisibleVersion</key><string>13.4.1 (a)</string>\n\
                     <key>ProductVersion</key><string>13.4.1</string>";
        assert_eq!(parse(plist).map(|d| d.version_id).as_deref(), Some("13.4.1"));
    }

    #[test]
    fn missing_or_empty_version_gives_none() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("<dict><key>ProductName</key><string>macOS</string></dict>"), None);
        assert_eq!(parse("<dict><key>ProductVersion</key><string></string></dict>"), None);
        assert_eq!(parse("<dict><key>ProductVersion</key><integer>14</integer></dict>"), None);
    }

    #[test]
    fn entities_are_decoded() {
        let plist = "<key>ProductVersion</key>\n\t<string>14.0 &amp; more</string>";
        assert_eq!(string_for_key(plist, "ProductVersion").as_deref(), Some("14.0 & more"));
    }
}
