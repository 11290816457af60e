#!/usr/bin/env python3
"""End-to-end harness: run a scenario inside a throwaway Debian root.

Base root: `debootstrap --variant=minbase` once, kept as a zstd tarball in the
cache dir (name keyed by a hash of the recipe) and extracted next to it.

Per scenario, `ns-init.sh` runs as PID 1 of fresh mount/pid/uts/ipc/net
namespaces. It mounts a tmpfs, an overlay (lower = base root, upper = tmpfs),
proc/sys/dev/run/tmp, copies in devup + the scenario, and chroots. All
mounts live only in that mount namespace and every process lives in that PID
namespace, so the kernel tears everything down when PID 1 exits or is
killed: nothing is ever mounted on the host. With `needs = ["network"]`,
slirp4netns gives the namespace outbound access (NAT, DNS on 10.0.2.3).

With `systemd = true` the root is another cached base (systemd installed)
and, inside the same namespaces, `systemd-nspawn --boot` runs it with systemd
as PID 1; the scenario runs in the booted container through nsenter.

CLI: `harness.py base [--systemd]` builds/reuses a base root and prints its
path; `harness.py shell [--network] [--systemd]` opens an interactive shell in
a throwaway root.
"""
import argparse
import fcntl
import functools
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent.parent
NS_INIT = E2E_DIR / "ns-init.sh"
LIB_SH = E2E_DIR / "lib.sh"

# The recipe of the base root. Changing anything here (or RECIPE_VERSION when
# the post-debootstrap configuration below changes) yields a new cache key.
# Do NOT add what devup must install itself (python3, nodejs, postgresql...).
RECIPE = {
    "version": 3,
    "suite": "bookworm",
    "variant": "minbase",
    "packages": ["ca-certificates", "procps"],
    "mirror": os.environ.get("DEVUP_E2E_MIRROR", "http://deb.debian.org/debian"),
    "security": "http://deb.debian.org/debian-security",
}
# The root of `systemd = true` scenarios: the same plus systemd as init, built
# only when such a scenario runs and cached beside the other one. Built from
# RECIPE, so a change there rebuilds both; bump "systemd_config" when
# _configure_systemd_root changes.
SYSTEMD_RECIPE = {
    **RECIPE,
    "flavour": "systemd",
    "systemd_config": 1,
    "packages": RECIPE["packages"] + ["systemd", "systemd-sysv", "dbus"],
}
HOSTNAME = "devup-e2e"
# Seconds a booted container has to reach `running` or `degraded`.
BOOT_TIMEOUT = 60


def log(msg):
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


def cache_dir():
    d = Path(os.environ.get("DEVUP_E2E_CACHE") or REPO / "target" / "e2e-cache")
    d.mkdir(parents=True, exist_ok=True)
    return d.resolve()


def _recipe_prefix(recipe):
    """`base-bookworm` or `base-systemd-bookworm`: the names of one kind of root."""
    flavour = recipe.get("flavour")
    return f"base-{flavour + '-' if flavour else ''}{recipe['suite']}"


def recipe_key(recipe=RECIPE):
    blob = json.dumps(recipe, sort_keys=True).encode()
    return f"{_recipe_prefix(recipe)}-{hashlib.sha256(blob).hexdigest()[:12]}"


def _is_stale_build(name, recipe):
    """True for a tarball/root of the same kind as `recipe` but another hash:
    base-bookworm-* and base-systemd-bookworm-* never drop each other."""
    prefix = re.escape(_recipe_prefix(recipe))
    return (re.fullmatch(prefix + r"-[0-9a-f]{12}(\..*)?", name) is not None
            and not name.startswith(recipe_key(recipe)))


class flock:
    """Exclusive lock on a file, so concurrent runs don't build twice."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        os.close(self.fd)


# ---------------------------------------------------------------- base root

def _apt_sources(r):
    return (
        f"Types: deb\nURIs: {r['mirror']}\n"
        f"Suites: {r['suite']} {r['suite']}-updates\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        f"Types: deb\nURIs: {r['security']}\n"
        f"Suites: {r['suite']}-security\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )


def _configure_root(root: Path, recipe=RECIPE):
    """Post-debootstrap configuration (bump RECIPE['version'] when changed)."""
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    (root / "etc/apt/sources.list.d/debian.sources").write_text(_apt_sources(recipe))
    (root / "etc/apt/apt.conf.d/80-e2e").write_text(
        'Acquire::Retries "3";\nAcquire::Languages "none";\n')
    (root / "etc/hostname").write_text(HOSTNAME + "\n")
    (root / "etc/resolv.conf").unlink(missing_ok=True)  # debootstrap copied the host's
    (root / "etc/resolv.conf").write_text("nameserver 10.0.2.3\n")  # slirp4netns' DNS
    # Like a fresh container: no package lists, no downloaded .debs.
    for d in ("var/lib/apt/lists", "var/cache/apt/archives"):
        for p in (root / d).iterdir():
            if p.is_file() and p.name != "lock":
                p.unlink()


def _mask_units(root: Path, *units):
    for unit in units:
        link = root / "etc/systemd/system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")


def _configure_systemd_root(root: Path, recipe=SYSTEMD_RECIPE):
    """The systemd root's extra configuration (bump SYSTEMD_RECIPE['systemd_config'])."""
    _configure_root(root, recipe)
    # An empty machine-id: every boot gets a fresh transient one from nspawn,
    # as a new machine would (and dbus reads it there, not from its own copy).
    (root / "etc/machine-id").write_text("")
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    # Nothing may take apt's lock behind a scenario's back, and nobody logs in
    # on the console.
    _mask_units(root, "apt-daily.timer", "apt-daily-upgrade.timer", "apt-daily.service",
                "apt-daily-upgrade.service", "console-getty.service")


def _build_tarball(cache: Path, tarball: Path, r):
    if not shutil.which("debootstrap"):
        raise HarnessUnavailable("debootstrap missing (run tests/e2e/setup.sh)")
    work = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
    root = work / "root"
    flavour = r.get("flavour")
    blog = cache / f"base-{flavour + '-' if flavour else ''}build.log"
    log(f"building base root {tarball.name} with debootstrap (~1 min), log: {blog}")
    t0 = time.monotonic()
    try:
        # debootstrap mounts proc/sys in the target; a private mount namespace
        # guarantees none of them survives a crash.
        cmd = ["unshare", "--mount", "--propagation", "private",
               "debootstrap", f"--variant={r['variant']}",
               "--include=" + ",".join(r["packages"]),
               r["suite"], str(root), r["mirror"]]
        with open(blog, "wb") as out:
            rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        if rc != 0:
            tail = blog.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError("debootstrap failed:\n" + "\n".join(tail))
        (_configure_systemd_root if flavour == "systemd" else _configure_root)(root, r)
        tmp = tarball.with_name(tarball.name + ".tmp")
        subprocess.run(f"tar --numeric-owner --xattrs --xattrs-include='*' -C '{root}' -cf - . "
                       f"| zstd -q -T0 -o '{tmp}' -f", shell=True, check=True)
        os.rename(tmp, tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"base root built in {time.monotonic() - t0:.1f}s "
        f"({tarball.stat().st_size / 1e6:.0f} MB compressed)")


def ensure_base(recipe=RECIPE):
    """Return the extracted base root dir for `recipe` (RECIPE or SYSTEMD_RECIPE)."""
    cache = cache_dir()
    key = recipe_key(recipe)
    tarball, rootdir = cache / f"{key}.tar.zst", cache / key
    (cache / "runs").mkdir(exist_ok=True)
    with flock(cache / "base.lock"):
        if not tarball.exists():
            _build_tarball(cache, tarball, recipe)
        _clean_stale_runs(cache / "runs")
        if not rootdir.is_dir():
            t0 = time.monotonic()
            tmp = Path(tempfile.mkdtemp(prefix=key + ".extract-", dir=cache))
            os.chmod(tmp, 0o755)
            subprocess.run(f"zstd -q -dc '{tarball}' | tar --numeric-owner --xattrs "
                           f"--xattrs-include='*' -C '{tmp}' -xf -", shell=True, check=True)
            os.rename(tmp, rootdir)
            log(f"extracted {tarball.name} in {time.monotonic() - t0:.2f}s")
        # Drop stale builds of older recipes of the same kind.
        for p in cache.glob("base-*"):
            if not _is_stale_build(p.name, recipe):
                continue
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    return rootdir


# ---------------------------------------------------------------- host checks

class HarnessUnavailable(Exception):
    """This machine cannot run the suite (not a test failure)."""


def check_host():
    """Raise HarnessUnavailable with a reason when the suite cannot run here."""
    if os.geteuid() != 0:
        raise HarnessUnavailable("must run as root (mounts, namespaces, chroot)")
    tools = ["unshare", "setpriv", "slirp4netns", "zstd", "tar", "ip", "timeout", "hostname"]
    if not (cache_dir() / f"{recipe_key()}.tar.zst").exists():
        tools.append("debootstrap")  # only needed to build the base root
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise HarnessUnavailable(f"missing {', '.join(missing)} (run tests/e2e/setup.sh)")
    # Can we create the namespaces and mount a tmpfs + overlay inside them?
    with tempfile.TemporaryDirectory(prefix="probe-", dir=cache_dir()) as d:
        script = ('set -e; cd "$1"; mount -t tmpfs probe .; mkdir l u w m; '
                  'mount -t overlay o -o lowerdir=l,upperdir=u,workdir=w m; ip link set lo up')
        r = subprocess.run(["unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork",
                            "--propagation", "private", "sh", "-c", script, "probe", d],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise HarnessUnavailable("cannot create namespaces / mount tmpfs+overlay: "
                                     + (r.stderr.strip() or f"exit {r.returncode}"))


# ---------------------------------------------------------------- systemd mode
# A `systemd = true` scenario boots its root with `systemd-nspawn --boot`
# inside the same namespaces as the other scenarios (see ns-init.sh). What
# nspawn needs beyond them: cgroups. With --keep-unit (no systemd on the host
# to ask for a scope) nspawn splits the cgroup it was started in into
# `payload` (the container) and `supervisor` (itself), and the container's
# systemd creates its slices below; the host keeps those directories until
# someone removes them. So each such scenario gets a cgroup of its own,
# `<our cgroup>/e2e-<run dir>`, with `host` (ns-init, the scenario's nsenter)
# and `nspawn` below, and the harness removes the tree when the scenario ends.

def own_cgroup_dirs():
    """This process' own cgroup, as directories, in the hierarchies that
    systemd-nspawn uses: cgroup2 (at /sys/fs/cgroup, or /sys/fs/cgroup/unified
    on a hybrid host) and the v1 `name=systemd` one (hybrid hosts)."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hid, ctrls, path = line.split(":", 2)
        if hid == "0" and not ctrls:
            own["cgroup2"] = path
        elif "name=systemd" in ctrls.split(","):
            own["name=systemd"] = path
    dirs = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mount, _, fs = line.partition(" - ")
        mount, fs = mount.split(), fs.split()
        if fs[0] == "cgroup2":
            kind = "cgroup2"
        elif fs[0] == "cgroup" and "name=systemd" in fs[-1].split(","):
            kind = "name=systemd"
        else:
            continue
        if kind in own and kind not in dirs:
            # The mount may show only a subtree of the hierarchy (mount root, field 4).
            rel = os.path.relpath(own[kind], mount[3])
            if not rel.startswith(".."):
                dirs[kind] = Path(mount[4]) / rel
    return list(dirs.values())


@functools.cache
def systemd_unavailable():
    """Why `systemd = true` scenarios cannot run on this machine ("" if they can)."""
    missing = [t for t in ("systemd-nspawn", "nsenter", "pgrep") if not shutil.which(t)]
    if missing:
        return f"systemd mode needs {', '.join(missing)} (run tests/e2e/setup.sh)"
    dirs = own_cgroup_dirs()
    if not dirs:
        return "systemd-nspawn needs a cgroup2 or name=systemd hierarchy; none is mounted"
    for d in dirs:
        if not os.access(d, os.W_OK):
            return f"systemd-nspawn needs cgroups of its own, and {d} is not writable"
    return ""


_cgroups_made = set()


def _make_cgroups(name):
    """Create <own cgroup>/e2e-NAME/{host,nspawn} in each hierarchy; return the tops."""
    tops = []
    try:
        for d in own_cgroup_dirs():
            top = d / f"e2e-{name}"
            if any(c.isspace() for c in str(top)):  # ns-init splits the list on blanks
                raise OSError(f"blank in the cgroup path {top!r}")
            tops.append(top)
            _cgroups_made.add(top)
            (top / "host").mkdir(parents=True)
            (top / "nspawn").mkdir()
    except OSError as e:
        _remove_cgroups(tops, grace=0)
        raise HarnessUnavailable(f"cannot create a cgroup for systemd-nspawn: {e}")
    return tops


def _cgroup_tree(top):
    """Every directory of a cgroup tree, deepest first (the order rmdir needs)."""
    return [Path(d) for d, _, _ in os.walk(top, topdown=False)]


def cgroup_pids(tops):
    """PIDs (as this process sees them) still in one of the cgroup trees."""
    pids = []
    for top in tops:
        for d in _cgroup_tree(top):
            try:
                pids += [int(x) for x in (d / "cgroup.procs").read_text().split()]
            except OSError:
                pass
    return pids


def _remove_cgroups(tops, grace=5.0):
    """rmdir each cgroup tree. The kernel refuses (EBUSY) while a killed
    process is still on its way out, hence the retries. Returns the trees
    that could not be removed."""
    deadline = time.monotonic() + grace
    stuck = []
    for top in tops:
        while True:
            try:
                for d in _cgroup_tree(top):
                    d.rmdir()
                break
            except FileNotFoundError:
                continue  # went away meanwhile: walk again
            except OSError:
                if time.monotonic() > deadline:
                    stuck.append(top)
                    break
                time.sleep(0.05)
    return stuck


def leftover_cgroups():
    """Scenario cgroups made by this process that still exist (a leak)."""
    return sorted(str(t) for t in _cgroups_made if t.exists())


# ---------------------------------------------------------------- scenarios

@dataclass
class Scenario:
    name: str
    dir: Path
    timeout: int = 600
    network: bool = False
    systemd: bool = False
    # A known devup bug makes the scenario fail: it is reported as skipped, with the reason,
    # until the bug is fixed and the key removed.
    known_bug: str = ""
    tmpfs_size_mb: int = 8192


def load_scenario(d: Path) -> Scenario:
    s = Scenario(d.name, d)
    if not (d / "scenario.sh").is_file():
        raise ValueError(f"{d}: no scenario.sh")
    cfg = {}
    if (d / "scenario.toml").exists():
        cfg = tomllib.loads((d / "scenario.toml").read_text())
    unknown = set(cfg) - {"timeout_seconds", "needs", "systemd", "tmpfs_size_mb", "known_bug"}
    if unknown:
        raise ValueError(f"{d}/scenario.toml: unknown keys {sorted(unknown)}")
    needs = set(cfg.get("needs", []))
    if needs - {"network"}:
        raise ValueError(f"{d}/scenario.toml: unknown needs {sorted(needs - {'network'})}")
    s.timeout = int(cfg.get("timeout_seconds", s.timeout))
    s.network = "network" in needs
    s.systemd = bool(cfg.get("systemd", False))
    s.known_bug = str(cfg.get("known_bug", ""))
    s.tmpfs_size_mb = int(cfg.get("tmpfs_size_mb", s.tmpfs_size_mb))
    return s


@dataclass
class Outcome:
    result: str            # "pass", "fail", "timeout", "skip", "error"
    seconds: float
    detail: str = ""
    timings: dict = field(default_factory=dict)
    # A skip because this machine cannot run the scenario (run.py --require fails it).
    unavailable: bool = False


# Process groups of everything currently running, so that Ctrl-C can kill them.
_live = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


def kill_all():
    """Kill every namespace/slirp4netns started by this process (Ctrl-C)."""
    _stopping.set()
    with _live_lock:
        for pid in list(_live):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _spawn(cmd, **kw):
    # setpriv --pdeathsig: if this Python process dies (even by SIGKILL) the
    # child is killed too; unshare --kill-child then takes the namespace down.
    p = subprocess.Popen(["setpriv", "--pdeathsig", "KILL", *cmd], **kw)
    with _live_lock:
        _live.add(p.pid)
    if _stopping.is_set():
        os.killpg(p.pid, signal.SIGKILL)
    return p


def _reap(p, sig=signal.SIGKILL):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
    p.wait()
    with _live_lock:
        _live.discard(p.pid)


def _ns(pid, kind):
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def leftover_processes(ns_ids):
    """PIDs on this machine that are still inside one of the given namespaces."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for kind in ("pid", "mnt"):
            if _ns(pid, kind) in ns_ids:
                found.append(int(pid))
                break
    return found


def _wait_ns_gone(ns_ids, cgroups=(), grace=5.0):
    """Wait for the kernel to finish killing a dead namespace's processes
    (and those of a systemd container: in nested namespaces, but in the
    scenario's cgroups). Returns the PIDs that were still there after the
    grace period (a leak); those get SIGKILLed."""
    def left_now():
        return sorted(set(leftover_processes(ns_ids)) | set(cgroup_pids(cgroups)))
    deadline = time.monotonic() + grace
    while (left := left_now()) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def _clean_stale_runs(runs: Path):
    """Remove run dirs left by a run.py that was SIGKILLed (not locked)."""
    for d in runs.iterdir():
        try:
            fd = os.open(d / "lock", os.O_RDONLY)
        except OSError:
            fd = None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if not os.path.ismount(d / "mnt"):
                shutil.rmtree(d, ignore_errors=True)
                _remove_cgroups([c / f"e2e-{d.name}" for c in own_cgroup_dirs()], grace=0)
        except BlockingIOError:
            pass  # in use by another run
        finally:
            if fd is not None:
                os.close(fd)


def run_scenario(sc: Scenario, base: Path, devup: Path | None, log_path: Path | None,
                 keep_dir: Path | None = None, interactive=False) -> Outcome:
    """Run one scenario in a throwaway root. Always tears everything down."""
    t0 = time.monotonic()
    if sc.known_bug:
        return Outcome("skip", 0.0, f"known devup bug: {sc.known_bug}")
    if sc.systemd and (why := systemd_unavailable()):
        return Outcome("skip", 0.0, why, unavailable=True)
    cache = cache_dir()
    apt_cache = cache / "apt-archives"
    (apt_cache / "partial").mkdir(parents=True, exist_ok=True)
    (cache / "runs").mkdir(exist_ok=True)
    rundir = Path(tempfile.mkdtemp(prefix=sc.name + "-", dir=cache / "runs"))
    lock_fd = os.open(rundir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)  # marks the run dir as in use
    (rundir / "mnt").mkdir()
    out = open(log_path, "wb") if log_path else None
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "E2E_NAME": sc.name, "E2E_MNT": str(rundir / "mnt"), "E2E_RESULT": str(rundir / "result"),
        "E2E_BASE": str(base), "E2E_SCENARIO_DIR": str(sc.dir), "E2E_LIB": str(LIB_SH),
        "E2E_DEVUP": str(devup or ""), "E2E_APT_CACHE": str(apt_cache),
        "E2E_TIMEOUT": str(sc.timeout), "E2E_TMPFS_SIZE": f"{sc.tmpfs_size_mb}m",
        "E2E_NETWORK": "1" if sc.network else "0", "E2E_GO_FD": str(go_r),
        "E2E_HOSTNAME": HOSTNAME, "E2E_KEEP_DIR": str(keep_dir or ""),
        "E2E_INTERACTIVE": "1" if interactive else "0",
        "E2E_SYSTEMD": "1" if sc.systemd else "0", "E2E_CGROUPS": "",
        "E2E_BOOT_TIMEOUT": str(BOOT_TIMEOUT),
        "E2E_HOST_NS_NET": _ns("self", "net"), "E2E_HOST_NS_PID": _ns("self", "pid"),
        "E2E_HOST_NS_MNT": _ns("self", "mnt"),
    }
    cmd = ["unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork",
           "--kill-child=SIGKILL", "--propagation", "private", "bash", str(NS_INIT)]
    stdio = {} if interactive else {"stdin": subprocess.DEVNULL, "stdout": out,
                                    "stderr": subprocess.STDOUT}
    ns_p = slirp = None
    ns_ids, cgroups = set(), []
    detail, result, unavailable = "", None, False
    # ns-init enforces sc.timeout itself (after the boot, in systemd mode); this is the backstop.
    backstop = sc.timeout + 60 + (BOOT_TIMEOUT if sc.systemd else 0)
    try:
        if sc.systemd:
            cgroups = _make_cgroups(rundir.name)
            env["E2E_CGROUPS"] = " ".join(map(str, cgroups))
        ns_p = _spawn(cmd, env=env, pass_fds=(go_r,), start_new_session=not interactive, **stdio)
        os.close(go_r)
        go_r = None
        # Wait until unshare(2) has happened: its net namespace differs from ours.
        deadline = time.monotonic() + 10
        while _ns(ns_p.pid, "net") in (None, env["E2E_HOST_NS_NET"]):
            if ns_p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("namespace creation failed")
            time.sleep(0.002)
        ns_ids = {_ns(ns_p.pid, "mnt"), _ns(ns_p.pid, "pid_for_children")} - {None}
        if sc.network:
            slirp = _spawn(["slirp4netns", "--configure", "--mtu=65520",
                            "--disable-host-loopback", f"--ready-fd={ready_w}",
                            str(ns_p.pid), "tap0"],
                           pass_fds=(ready_w,), stdin=subprocess.DEVNULL,
                           stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                           start_new_session=True)
            if not select.select([ready_r], [], [], 15)[0] or os.read(ready_r, 1) != b"1":
                raise RuntimeError("slirp4netns did not come up")
        os.write(go_w, b"go\n")
        sc_start = time.monotonic()
        try:
            ns_p.wait(timeout=None if interactive else backstop)
        except subprocess.TimeoutExpired:
            result, detail = "timeout", f"killed after {backstop}s (hard backstop)"
        # ns-init writes scenario.sh's exit code, or why it could not run it.
        rc_file = rundir / "result"
        said = rc_file.read_text().strip() if rc_file.exists() else ""
        rc = int(said) if said.isdigit() else None
        if _stopping.is_set():
            result, detail = "fail", "interrupted"
        elif result:
            pass
        elif said.startswith("unavailable: "):
            result, detail, unavailable = "skip", said.removeprefix("unavailable: "), True
        elif rc is None:
            result, detail = "error", said or f"ns-init died (exit {ns_p.returncode})"
        elif rc == 0:
            result = "pass"
        elif rc in (124, 137):
            result, detail = "timeout", f"scenario exceeded timeout_seconds={sc.timeout}"
        else:
            result, detail = "fail", f"scenario.sh exited {rc}"
        timings = {"setup": sc_start - t0, "run": time.monotonic() - sc_start}
    except HarnessUnavailable as e:
        result, detail, unavailable, timings = "skip", str(e), True, {}
    except Exception as e:  # harness problem: report it, still clean up below
        result, detail, timings = "error", f"harness: {e}", {}
    finally:
        for p in (ns_p, slirp):
            if p:
                _reap(p)
        for fd in (go_r, go_w, ready_r, ready_w):
            if fd is not None:
                os.close(fd)
        left = _wait_ns_gone(ns_ids, cgroups)
        stuck = _remove_cgroups(cgroups)
        if os.path.ismount(rundir / "mnt"):  # never happens: mounts are ns-private
            result, detail = "error", f"{rundir}/mnt is mounted on the host!"
        else:
            shutil.rmtree(rundir, ignore_errors=True)
        os.close(lock_fd)
        if out:
            out.write(f"=== e2e: result {result} {detail}\n".encode())
            out.close()
    if left:
        result, detail = "error", f"processes left in the namespace after exit: {left}"
    elif stuck:
        result, detail = "error", f"cgroups left after exit: {', '.join(map(str, stuck))}"
    return Outcome(result, time.monotonic() - t0, detail, timings, unavailable)


def default_devup():
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return target / "release" / "devup"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("base", help="build or reuse the base root and print its path")
    b.add_argument("--systemd", action="store_true", help="the root of systemd scenarios")
    sh = sub.add_parser("shell", help="interactive shell in a throwaway root")
    sh.add_argument("--network", action="store_true")
    sh.add_argument("--systemd", action="store_true",
                    help="boot the root with systemd as PID 1 (systemd-nspawn)")
    sh.add_argument("--devup", type=Path, default=default_devup())
    args = ap.parse_args()
    systemd = args.systemd
    try:
        check_host()
        if systemd and (why := systemd_unavailable()):
            raise HarnessUnavailable(why)
        base = ensure_base(SYSTEMD_RECIPE if systemd else RECIPE)
    except HarnessUnavailable as e:
        sys.exit(f"cannot run: {e}")
    if args.cmd == "base":
        print(base)
        return
    with tempfile.TemporaryDirectory() as d:
        Path(d, "scenario.sh").write_text("exec bash -i\n")
        sc = Scenario("shell", Path(d), timeout=10**6, network=args.network, systemd=systemd)
        devup = args.devup if args.devup.exists() else None
        o = run_scenario(sc, base, devup, None, interactive=True)
    print(f"{o.result} {o.detail}")


if __name__ == "__main__":
    main()
