#!/bin/sh
# Installs devup from this checkout into ~/.local/bin (or $DEVUP_PREFIX/bin), then runs it on
# this repository's own devup.toml, which declares what it takes to develop devup.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${DEVUP_PREFIX:-$HOME/.local}

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is needed to build devup" >&2
    echo "  hint: install Rust with rustup (https://rustup.rs) or your package manager, then run ./install.sh again" >&2
    exit 1
fi

echo "building and installing devup into $prefix/bin"
CARGO_TARGET_DIR="$here/target" cargo install --locked --quiet --force --path "$here" --root "$prefix"

# The project file is this repository's own: the person running this script chose to trust it.
"$prefix/bin/devup" --directory "$here" --yes --trust "$@"

case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; add it to use \`devup\` from anywhere" ;;
esac
