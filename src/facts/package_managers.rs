//! Which system package managers are present, native one first.

use super::Distro;

/// Managers looked for on Linux, in the order used after the native one.
const LINUX: [&str; 5] = ["apt", "dnf", "pacman", "apk", "brew"];
/// On macOS only Homebrew counts: a binary named like a Linux manager there is
/// something else, not a way to install packages.
const MACOS: [&str; 1] = ["brew"];

/// Thin: the candidates that are on PATH.
pub(super) fn read(os: &str, distro: Option<&Distro>, on_path: impl Fn(&str) -> bool) -> Vec<String> {
    present(&candidates(os, distro), on_path)
}

/// Pure: the managers worth looking for on this OS, the distro's native one
/// first (so Homebrew on Ubuntu comes after apt).
pub(super) fn candidates(os: &str, distro: Option<&Distro>) -> Vec<&'static str> {
    let known: &[&'static str] = match os {
        "macos" => &MACOS,
        "linux" => &LINUX,
        _ => &[],
    };
    let mut order = known.to_vec();
    if let Some(native) = distro.and_then(native)
        && let Some(at) = order.iter().position(|name| *name == native)
    {
        let native = order.remove(at);
        order.insert(0, native);
    }
    order
}

/// Pure: the candidates for which `on_path` holds, order kept.
pub(super) fn present(candidates: &[&str], on_path: impl Fn(&str) -> bool) -> Vec<String> {
    candidates.iter().filter(|name| on_path(name)).map(|name| name.to_string()).collect()
}

/// The distro's own manager, from its id or else the closest `ID_LIKE`
/// (Mint is like ubuntu, Rocky like rhel, Manjaro like arch).
fn native(distro: &Distro) -> Option<&'static str> {
    std::iter::once(&distro.id).chain(&distro.like).find_map(|id| match id.as_str() {
        "debian" | "ubuntu" => Some("apt"),
        "fedora" | "rhel" | "centos" => Some("dnf"),
        "arch" => Some("pacman"),
        "alpine" => Some("apk"),
        "macos" => Some("brew"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, like: &[&str]) -> Distro {
        Distro {
            id: id.to_string(),
            version_id: String::new(),
            like: like.iter().map(|s| s.to_string()).collect(),
            name: String::new(),
            codename: None,
        }
    }

    #[test]
    fn native_manager_comes_first() {
        let order = |id, like| candidates("linux", Some(&distro(id, like)));
        assert_eq!(order("debian", &[]), ["apt", "dnf", "pacman", "apk", "brew"]);
        assert_eq!(order("ubuntu", &["debian"]), ["apt", "dnf", "pacman", "apk", "brew"]);
        assert_eq!(order("fedora", &[]), ["dnf", "apt", "pacman", "apk", "brew"]);
        assert_eq!(order("arch", &[]), ["pacman", "apt", "dnf", "apk", "brew"]);
        assert_eq!(order("alpine", &[]), ["apk", "apt", "dnf", "pacman", "brew"]);
    }

    #[test]
    fn derivatives_use_id_like() {
        let rocky = distro("rocky", &["rhel", "centos", "fedora"]);
        assert_eq!(candidates("linux", Some(&rocky))[0], "dnf");
        let mint = distro("linuxmint", &["ubuntu", "debian"]);
        assert_eq!(candidates("linux", Some(&mint))[0], "apt");
        let manjaro = distro("manjaro", &["arch"]);
        assert_eq!(candidates("linux", Some(&manjaro))[0], "pacman");
    }

    #[test]
    fn unknown_or_missing_distro_keeps_the_fixed_order() {
        let suse = distro("opensuse-tumbleweed", &["opensuse", "suse"]);
        assert_eq!(candidates("linux", Some(&suse)), LINUX);
        assert_eq!(candidates("linux", None), LINUX);
    }

    #[test]
    fn macos_only_has_homebrew_and_other_oses_nothing() {
        assert_eq!(candidates("macos", Some(&distro("macos", &[]))), ["brew"]);
        assert_eq!(candidates("macos", None), ["brew"]);
        assert!(candidates("windows", None).is_empty());
    }

    #[test]
    fn present_keeps_order_and_drops_missing() {
        let ubuntu = candidates("linux", Some(&distro("ubuntu", &["debian"])));
        let found = present(&ubuntu, |name| name == "brew" || name == "apt");
        assert_eq!(found, ["apt", "brew"]);
        // A native manager that is not installed is simply absent.
        let fedora = candidates("linux", Some(&distro("fedora", &[])));
        assert_eq!(present(&fedora, |name| name == "brew"), ["brew"]);
        assert!(present(&fedora, |_| false).is_empty());
    }
}
