#!/usr/bin/env bash
# Install the host prerequisites of the e2e harness (Debian 12). Idempotent:
# does nothing when everything is already there; runs `apt-get update` only
# when a package cannot be found without it.
set -euo pipefail

# systemd-container: systemd-nspawn, for the scenarios that boot systemd (systemd = true).
PKGS=(debootstrap debian-archive-keyring slirp4netns zstd iproute2 util-linux tar systemd-container)

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: must run as root (apt-get install)" >&2
    exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup.sh: all prerequisites present"
    exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y --no-install-recommends "${missing[@]}"; }
if ! install; then
    # The package lists may be missing or stale: refresh once, then retry.
    # A failing mirror in sources.list makes update exit non-zero; go on.
    apt-get update || echo "setup.sh: apt-get update reported errors; trying anyway" >&2
    install
fi
echo "setup.sh: done"
