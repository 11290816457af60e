//! Which init system runs services: decides whether devup may start them.

use std::path::Path;

/// What the filesystem says about PID 1.
#[derive(Debug, Default)]
pub(super) struct Probe {
    /// `/run/systemd/system` exists: systemd's own test (`sd_booted`).
    pub systemd_dir: bool,
    /// `/proc/1/comm`, the name of PID 1, when readable.
    pub pid1_comm: Option<String>,
    /// `/run/openrc` exists: OpenRC creates it when it boots the system.
    pub openrc_dir: bool,
}

/// Thin: probes the files, then classifies.
pub(super) fn read(os: &str) -> &'static str {
    if os != "linux" {
        return classify(os, &Probe::default());
    }
    let probe = Probe {
        systemd_dir: Path::new("/run/systemd/system").is_dir(),
        pid1_comm: std::fs::read_to_string("/proc/1/comm").ok(),
        openrc_dir: Path::new("/run/openrc").is_dir(),
    };
    classify(os, &probe)
}

/// Pure. "systemd" only when systemd is actually PID 1: a container with the
/// systemd package installed but a shell as PID 1 cannot start units, so it
/// is "none", as is anything unrecognised.
pub(super) fn classify(os: &str, probe: &Probe) -> &'static str {
    if os == "macos" {
        return "launchd";
    }
    let pid1 = probe.pid1_comm.as_deref().map(str::trim);
    if probe.systemd_dir || pid1 == Some("systemd") {
        "systemd"
    } else if probe.openrc_dir || pid1 == Some("openrc-init") {
        "openrc"
    } else {
        "none"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comm(name: &str) -> Option<String> {
        // As the kernel writes it, with a trailing newline.
        Some(format!("{name}\n"))
    }

    #[test]
    fn systemd_by_directory_or_pid1_name() {
        let by_dir = Probe { systemd_dir: true, ..Probe::default() };
        assert_eq!(classify("linux", &by_dir), "systemd");
        let by_comm = Probe { pid1_comm: comm("systemd"), ..Probe::default() };
        assert_eq!(classify("linux", &by_comm), "systemd");
    }

    #[test]
    fn openrc_on_alpine_with_busybox_init() {
        let probe = Probe { pid1_comm: comm("init"), openrc_dir: true, ..Probe::default() };
        assert_eq!(classify("linux", &probe), "openrc");
        let openrc_init = Probe { pid1_comm: comm("openrc-init"), ..Probe::default() };
        assert_eq!(classify("linux", &openrc_init), "openrc");
    }

    #[test]
    fn containers_have_none() {
        let shell = Probe { pid1_comm: comm("bash"), ..Probe::default() };
        assert_eq!(classify("linux", &shell), "none");
        let tini = Probe { pid1_comm: comm("tini"), ..Probe::default() };
        assert_eq!(classify("linux", &tini), "none");
        // /proc not mounted or not readable.
        assert_eq!(classify("linux", &Probe::default()), "none");
    }

    #[test]
    fn macos_is_launchd_and_others_none() {
        assert_eq!(classify("macos", &Probe::default()), "launchd");
        assert_eq!(classify("freebsd", &Probe::default()), "none");
    }
}
