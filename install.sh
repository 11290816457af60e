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

echo "==> building devup (release; a few minutes the first time, cargo shows its progress)"
CARGO_TARGET_DIR="$here/target" cargo install --locked --force --path "$here" --root "$prefix"
echo "==> installed $prefix/bin/devup"
"$prefix/bin/devup" man --dir "$prefix/share/man/man1"
echo "==> installed its manual pages into $prefix/share/man/man1 (man devup, man devup-plan...)"

# The project file is this repository's own: the person running this script chose to trust it.
echo "==> converging this repository's own devup.toml (what developing devup needs)"
"$prefix/bin/devup" --directory "$here" --yes --trust "$@"

devup=devup
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *)
        devup="$prefix/bin/devup"
        echo
        echo "note: $prefix/bin is not on your PATH; add it to use \`devup\` from anywhere:"
        echo "  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc"
        ;;
esac

cat <<EOF

devup is ready. Next, on your project:
  cd ~/src/your-project
  $devup init      # drafts devup.toml from what the repository says: read it
  $devup plan      # what would change, and why
  $devup           # converge: install, start, create what is missing

The project's environment on \`cd\` (once, in your shell's rc file):
  echo 'eval "\$(devup activate bash)"' >> ~/.bashrc    # or zsh; fish: devup activate fish | source
More: $devup --help, man devup, and README.md.
EOF
