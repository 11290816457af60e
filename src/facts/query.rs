//! Facts as recipes see them: `{facts.NAME}` placeholders and `when` conditions.

use super::Facts;

impl Facts {
    /// Every name `get` accepts, so recipe validation can reject `{facts.typo}`.
    pub const NAMES: &'static [&'static str] = &[
        "os",
        "arch",
        "distro",
        "distro_version",
        "distro_like",
        "codename",
        "package_manager",
        "init",
        "root",
        "user",
        "ci",
    ];

    /// The value of a named fact, None for an unknown name. A fact the machine
    /// lacks (no distro, no package manager) is "", so a placeholder still
    /// renders and a `when` simply does not hold.
    pub fn get(&self, name: &str) -> Option<String> {
        let distro = self.distro.as_ref();
        let value = match name {
            "os" => self.os.clone(),
            "arch" => self.arch.clone(),
            "distro" => distro.map(|d| d.id.clone()).unwrap_or_default(),
            "distro_version" => distro.map(|d| d.version_id.clone()).unwrap_or_default(),
            "distro_like" => distro.map(|d| d.like.join(" ")).unwrap_or_default(),
            "codename" => distro.and_then(|d| d.codename.clone()).unwrap_or_default(),
            "package_manager" => self.package_managers.first().cloned().unwrap_or_default(),
            "init" => self.init.clone(),
            "root" => self.root.to_string(),
            "user" => self.user.clone(),
            "ci" => self.ci.to_string(),
            _ => return None,
        };
        Some(value)
    }

    /// Whether the `when` condition `name = value` holds. Equality, except for
    /// facts that are really sets:
    /// - "distro" also holds for a relative in `ID_LIKE` (`debian` on Ubuntu);
    /// - "distro_like" holds when `value` is one of the `ID_LIKE` entries;
    /// - "package_manager" holds when that manager is present at all.
    ///
    /// An unknown name never holds.
    pub fn matches(&self, name: &str, value: &str) -> bool {
        let like = || self.distro.iter().flat_map(|d| &d.like).any(|l| l == value);
        match name {
            "distro" => self.get(name).as_deref() == Some(value) || like(),
            "distro_like" => like(),
            "package_manager" => self.package_managers.iter().any(|m| m == value),
            _ => self.get(name).as_deref() == Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::facts::{Distro, Facts};

    fn ubuntu_with_brew() -> Facts {
        Facts {
            distro: Some(Distro {
                id: "ubuntu".to_string(),
                version_id: "24.04".to_string(),
                like: vec!["debian".to_string()],
                name: "Ubuntu".to_string(),
                codename: Some("noble".to_string()),
            }),
            package_managers: vec!["apt".to_string(), "brew".to_string()],
            init: "systemd".to_string(),
            root: true,
            ..Facts::for_tests()
        }
    }

    #[test]
    fn get_every_name() {
        let facts = ubuntu_with_brew();
        let expected = [
            ("os", "linux"),
            ("arch", "x86_64"),
            ("distro", "ubuntu"),
            ("distro_version", "24.04"),
            ("distro_like", "debian"),
            ("codename", "noble"),
            ("package_manager", "apt"),
            ("init", "systemd"),
            ("root", "true"),
            ("user", "dev"),
            ("ci", "true"),
        ];
        for (name, value) in expected {
            assert_eq!(facts.get(name).as_deref(), Some(value), "{name}");
        }
        let names: Vec<_> = expected.iter().map(|(name, _)| *name).collect();
        assert_eq!(Facts::NAMES, names, "NAMES lists exactly what get answers");
    }

    #[test]
    fn get_unknown_name_is_none() {
        assert_eq!(Facts::for_tests().get("hostname"), None);
        assert_eq!(Facts::for_tests().get("interactive"), None);
        assert_eq!(Facts::for_tests().get(""), None);
    }

    #[test]
    fn missing_facts_are_empty() {
        let bare = Facts { distro: None, package_managers: Vec::new(), ..Facts::for_tests() };
        for name in ["distro", "distro_version", "distro_like", "codename", "package_manager"] {
            assert_eq!(bare.get(name).as_deref(), Some(""), "{name}");
        }
        assert_eq!(bare.get("root").as_deref(), Some("false"));
        // Consistent with `get`: a missing fact is "", and only "" matches it.
        assert!(bare.matches("distro", ""));
        assert!(!bare.matches("distro", "debian"));
        assert!(!bare.matches("package_manager", "apt"));
    }

    #[test]
    fn distro_matches_itself_and_its_relatives() {
        let facts = ubuntu_with_brew();
        assert!(facts.matches("distro", "ubuntu"));
        assert!(facts.matches("distro", "debian"));
        assert!(!facts.matches("distro", "fedora"));
        assert!(facts.matches("distro_like", "debian"));
        assert!(!facts.matches("distro_like", "ubuntu"));
        // Debian is like nothing; it still matches itself.
        assert!(Facts::for_tests().matches("distro", "debian"));
        assert!(!Facts::for_tests().matches("distro", "ubuntu"));
    }

    #[test]
    fn package_manager_matches_any_present() {
        let facts = ubuntu_with_brew();
        assert!(facts.matches("package_manager", "apt"));
        assert!(facts.matches("package_manager", "brew"));
        assert!(!facts.matches("package_manager", "dnf"));
    }

    #[test]
    fn other_facts_match_by_equality() {
        let facts = ubuntu_with_brew();
        assert!(facts.matches("os", "linux"));
        assert!(!facts.matches("os", "macos"));
        assert!(facts.matches("distro_version", "24.04"));
        assert!(!facts.matches("distro_version", "24"));
        assert!(facts.matches("codename", "noble"));
        assert!(facts.matches("root", "true"));
        assert!(facts.matches("ci", "true"));
        assert!(!facts.matches("ci", "yes"));
        assert!(!facts.matches("nonsense", ""));
    }
}
