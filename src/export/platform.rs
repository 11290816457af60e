//! The platform an export is for: `debian-12`, `ubuntu-24.04`, or the current machine. It
//! changes the facts recipes are expanded with (distro, package manager), so the exported
//! steps are the ones devup would run there.

use crate::facts::{Distro, Facts};

/// Distros an export can target, with their releases' codenames.
/// (os-release `ID`, `NAME`, `ID_LIKE`, releases as (`VERSION_ID`, codename)).
type Known = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const KNOWN: &[Known] = &[
    ("debian", "Debian GNU/Linux", "", &[("11", "bullseye"), ("12", "bookworm"), ("13", "trixie")]),
    ("ubuntu", "Ubuntu", "debian", &[("20.04", "focal"), ("22.04", "jammy"), ("24.04", "noble")]),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `debian-12`.
    pub name: String,
    /// The facts to expand the project with.
    pub facts: Facts,
    /// The container image of that platform: `debian:12`.
    pub image: String,
}

impl Platform {
    /// `None`: the machine devup runs on. Only apt platforms are supported: the exported
    /// shell knows how to check and install packages with apt (and dpkg) only.
    pub fn resolve(requested: Option<&str>, current: &Facts) -> Result<Platform, String> {
        let facts = match requested {
            None => {
                let distro = current
                    .distro
                    .as_ref()
                    .ok_or_else(|| "this machine's distribution is unknown (no /etc/os-release)".to_string())?;
                if current.package_managers.first().is_none_or(|m| m != "apt") {
                    return Err(format!(
                        "this machine ({} {}) does not use apt; devup exports for Debian and Ubuntu only",
                        distro.id, distro.version_id
                    ));
                }
                current.clone()
            }
            Some(text) => target_facts(text, current)?,
        };
        let distro = facts.distro.clone().expect("both ways set a distro");
        Ok(Platform {
            name: format!("{}-{}", distro.id, distro.version_id),
            image: format!("{}:{}", distro.id, distro.version_id),
            facts,
        })
    }
}

/// The facts of a named apt platform; the machine's own facts for what a name cannot say
/// (architecture, root, sudo).
fn target_facts(text: &str, current: &Facts) -> Result<Facts, String> {
    let supported = || {
        KNOWN
            .iter()
            .flat_map(|(id, _, _, releases)| releases.iter().map(move |(v, _)| format!("{id}-{v}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (id, version) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not a platform: write DISTRO-VERSION, one of {}", supported()))?;
    let Some((id, name, like, releases)) = KNOWN.iter().find(|(known, ..)| *known == id) else {
        return Err(format!("devup exports for Debian and Ubuntu (apt) only, not `{id}`; supported: {}", supported()));
    };
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{version}` is not a release of {name}; supported: {}", supported()));
    }
    let codename = releases.iter().find(|(v, _)| *v == version).map(|(_, c)| c.to_string());
    Ok(Facts {
        os: "linux".to_string(),
        distro: Some(Distro {
            id: id.to_string(),
            version_id: version.to_string(),
            like: if like.is_empty() { Vec::new() } else { vec![like.to_string()] },
            name: name.to_string(),
            codename,
        }),
        package_managers: vec!["apt".to_string()],
        init: "none".to_string(),
        ..current.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_platforms_set_distro_and_manager() {
        let current = Facts { package_managers: vec!["brew".into()], ..Facts::for_tests() };
        let p = Platform::resolve(Some("ubuntu-24.04"), &current).unwrap();
        assert_eq!(p.name, "ubuntu-24.04");
        assert_eq!(p.image, "ubuntu:24.04");
        assert_eq!(p.facts.package_managers, ["apt"]);
        assert_eq!(p.facts.distro.unwrap().codename.as_deref(), Some("noble"));
    }

    #[test]
    fn the_current_machine_is_the_default() {
        let p = Platform::resolve(None, &Facts::for_tests()).unwrap();
        assert_eq!((p.name.as_str(), p.image.as_str()), ("debian-12", "debian:12"));
    }

    #[test]
    fn other_platforms_are_refused_with_the_supported_ones() {
        let e = Platform::resolve(Some("fedora-40"), &Facts::for_tests()).unwrap_err();
        assert!(e.contains("Debian and Ubuntu") && e.contains("debian-12"), "{e}");
        let e = Platform::resolve(Some("debian"), &Facts::for_tests()).unwrap_err();
        assert!(e.contains("DISTRO-VERSION"), "{e}");
        let mac = Facts { package_managers: vec!["brew".into()], ..Facts::for_tests() };
        assert!(Platform::resolve(None, &mac).unwrap_err().contains("does not use apt"));
    }
}
