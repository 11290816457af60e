# --- helpers ---------------------------------------------------------------------------------
say() { printf '%s\n' "$*"; }
fail() {
    printf 'error: step %s: %s\n' "$1" "$2" >&2
    [ -z "${3:-}" ] || printf 'hint: %s\n' "$3" >&2
    exit 1
}
# as_root CMD...: root runs it as is; anyone else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        printf 'error: `%s` needs root: run this script as root, or install sudo\n' "$*" >&2
        return 1
    fi
}
# as_account USER SCRIPT: as root, SCRIPT runs as USER (servers that refuse root); else as is.
as_account() {
    if [ -n "$1" ] && [ "$(id -u)" = 0 ]; then
        runuser -u "$1" -- env PATH="$PATH" sh -c "$2"
    else
        sh -c "$2"
    fi
}
# as_user USER SCRIPT: SCRIPT runs as USER (a command only that account may run, such as
# postgres's createuser): as root directly, else through sudo; as is when USER is empty or us.
as_user() {
    if [ -z "$1" ] || [ "$1" = "$(id -un)" ]; then
        sh -c "$2"
    elif [ "$(id -u)" = 0 ]; then
        runuser -u "$1" -- env PATH="$PATH" sh -c "$2"
    else
        sudo -u "$1" sh -c "$2"
    fi
}
# version_in TEXT [MARKER]: the first version in TEXT (after MARKER), as x.y.z.
version_in() {
    _text=$1
    _re='[0-9]+(\.[0-9]+)+'
    if [ -n "${2:-}" ]; then
        case $_text in *"$2"*) _text=${_text#*"$2"} ;; *) return 1 ;; esac
        _re='[0-9]+(\.[0-9]+)*'
    fi
    _v=$(printf '%s\n' "$_text" | grep -Eo "$_re" | head -n 1)
    [ -n "$_v" ] || return 1
    printf '%s\n' "$_v" | awk -F. '{ printf "%d.%d.%d\n", $1, $2, $3 }'
}
# version_le A B: A <= B.
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }
# version_matches V OP BOUND...: V satisfies every bound (>=, >, <, <=).
version_matches() {
    _v=$1
    shift
    while [ $# -ge 2 ]; do
        case $1 in
            '>=') version_le "$2" "$_v" || return 1 ;;
            '>') { version_le "$2" "$_v" && [ "$_v" != "$2" ]; } || return 1 ;;
            '<') { version_le "$_v" "$2" && [ "$_v" != "$2" ]; } || return 1 ;;
            '<=') version_le "$_v" "$2" || return 1 ;;
        esac
        shift 2
    done
}
# find_command NAME [DIR...]: the first NAME on PATH, else in the DIRs.
find_command() {
    _name=$1
    shift
    _p=$(command -v "$_name" 2>/dev/null) && case $_p in /*) printf '%s\n' "$_p" && return 0 ;; esac
    for _d in "$@"; do
        if [ -x "$_d/$_name" ] && [ ! -d "$_d/$_name" ]; then
            printf '%s\n' "$_d/$_name"
            return 0
        fi
    done
    return 1
}
# glob_dirs PATH...: those of the PATHs (a glob, expanded) that are directories, newest version first, joined by `:`.
glob_dirs() {
    for _d in "$@"; do [ -d "$_d" ] && printf '%s\n' "$_d"; done | sort -rV | paste -sd: -
}
# tool_identity NAME: where a command is and which file it is (path, size, mtime in ns), as devup
# records it in a dependency install's fingerprint.
tool_identity() {
    _p=$(command -v "$1" 2>/dev/null) || { echo absent; return 0; }
    case $_p in /*) ;; *) echo absent; return 0 ;; esac
    printf '%s %s %s\n' "$_p" "$(stat -L -c %s "$_p")" "$(date -r "$_p" +%s%N)"
}
# input_sha FILE: its sha256, or `absent`.
input_sha() {
    if [ -f "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi
}
# same_content FILE CONTENT: FILE holds exactly CONTENT.
same_content() { [ -f "$1" ] && printf '%s' "$2" | cmp -s - "$1"; }
# write_file FILE CONTENT [MODE]: writes through a temporary file; a file with other content is
# kept as FILE.devup-backup first.
write_file() {
    mkdir -p "$(dirname "$1")"
    if [ -f "$1" ] && ! same_content "$1" "$2"; then
        cp -p "$1" "$1.devup-backup"
        say "    kept the old $1 as $1.devup-backup"
    fi
    printf '%s' "$2" >"$1.devup-tmp"
    [ -z "${3:-}" ] || chmod "$3" "$1.devup-tmp"
    mv -f "$1.devup-tmp" "$1"
}
# put_file FILE CONTENT MODE: writes through a temporary file with that mode.
put_file() {
    (umask 077 && printf '%s' "$2" >"$1.devup-tmp")
    chmod "$3" "$1.devup-tmp"
    mv -f "$1.devup-tmp" "$1"
}
has_mode() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]; }
tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
redis_ping() { [ "$(timeout 3 redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ]; }
memcached_version() {
    timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'version\r\n' >&3 && head -c 7 <&3" 2>/dev/null | grep -q VERSION
}
# pg_query HOST PORT USER DATABASE SQL: a session opens and SQL returns a row.
pg_query() {
    [ -n "$(PGCONNECT_TIMEOUT=3 psql -X -A -t -h "$1" -p "$2" -U "$3" -d "$4" -c "$5" 2>/dev/null)" ]
}
# pid_alive FILE: the pid on FILE's first line is a running process.
pid_alive() {
    _pid=$(head -n 1 "$1" 2>/dev/null | tr -dc 0-9)
    [ -n "$_pid" ] && [ -d "/proc/$_pid" ]
}
# devup_dirs NAME: where devup keeps, for this user, the state of the project NAME at
# $devup_project_dir, its servers' data, and prebuilt tools, as devup computes them
# (DEVUP_STATE_DIR, DEVUP_DATA_DIR, DEVUP_TOOLS_DIR, the XDG directories, root's own).
devup_dirs() {
    _key="$1-$(printf '%s' "$devup_project_dir" | sha256sum | cut -c1-12)"
    case ${XDG_STATE_HOME:-} in /*) _state=$XDG_STATE_HOME ;; *) _state=$HOME/.local/state ;; esac
    case ${XDG_DATA_HOME:-} in /*) _share=$XDG_DATA_HOME ;; *) _share=$HOME/.local/share ;; esac
    devup_state_dir=${DEVUP_STATE_DIR:-$_state/devup}/projects/$_key
    if [ -n "${DEVUP_DATA_DIR:-}" ]; then
        _data=$DEVUP_DATA_DIR
    elif [ "$(id -u)" = 0 ]; then
        _data=/var/lib/devup
    else
        _data=$_share/devup/datastores
    fi
    devup_data_dir=$_data/projects/$_key
    if [ -n "${DEVUP_TOOLS_DIR:-}" ]; then
        devup_tools_dir=$DEVUP_TOOLS_DIR
    elif [ "$(id -u)" = 0 ]; then
        devup_tools_dir=/opt/devup/tools
    else
        devup_tools_dir=$_share/devup/tools
    fi
}
# recorded_port ENTRY: the port devup recorded for ENTRY beside the servers' data, if any.
recorded_port() {
    [ -f "$devup_data_dir/ports.json" ] || return 0
    sed -n 's/^ *"\([^"]*\)": *\([0-9][0-9]*\).*/\1 \2/p' "$devup_data_dir/ports.json" |
        while read -r _e _p; do [ "$_e" != "$1" ] || echo "$_p"; done
}
# choose_port ENTRY PREFERRED [OWNER_PID_FILE]: sets _port to the port of ENTRY's server, chosen
# as devup chooses it: the recorded one while it is free or held by the project's own server
# (its pid file names a live process), else PREFERRED when free, else the next free one; never
# one an earlier entry took.
devup_taken=' '
choose_port() {
    _port=$(recorded_port "$1")
    if [ -z "$_port" ] || { ! { [ -n "${3:-}" ] && pid_alive "$3"; } &&
        { case $devup_taken in *" $_port "*) true ;; *) false ;; esac || tcp_open 127.0.0.1 "$_port"; }; }; then
        _port=$2
        while case $devup_taken in *" $_port "*) true ;; *) false ;; esac || tcp_open 127.0.0.1 "$_port"; do
            _port=$((_port + 1))
        done
    fi
    devup_taken="$devup_taken$_port "
}
# prebuilt_install URL CHECKSUM ALGORITHM HEX STRIP HOME [LINK TARGET]...: the build devup.lock
# records, installed as devup installs it: downloaded, verified against its published CHECKSUM
# (ALGORITHM sha256 or sha512, as HEX), unpacked without its first STRIP path components into a
# directory beside HOME, its links made and where it came from recorded, then renamed to HOME.
prebuilt_install() {
    _url=$1 _checksum=$2 _algorithm=$3 _sum=$4 _strip=$5 _home=$6
    shift 6
    [ ! -d "$_home" ] || return 0
    command -v curl >/dev/null 2>&1 || pkg_install curl ca-certificates
    mkdir -p "$(dirname "$_home")"
    _archive="$_home.devup-download"
    curl -fsSL --retry 3 -o "$_archive" "$_url"
    if [ "$(${_algorithm}sum <"$_archive" | cut -d' ' -f1)" != "$_sum" ]; then
        rm -f "$_archive"
        printf 'error: %s does not match the checksum devup.lock records\n' "$_url" >&2
        return 1
    fi
    _staging="$_home.devup-unpacking"
    rm -rf "$_staging"
    mkdir -p "$_staging"
    tar -xf "$_archive" -C "$_staging" --strip-components="$_strip" --no-same-owner
    rm -f "$_archive"
    printf 'url = "%s"\nchecksum = "%s"\n' "$_url" "$_checksum" >"$_staging/.devup-build.toml"
    while [ $# -ge 2 ]; do
        mkdir -p "$(dirname "$_staging/$1")"
        ln -s "$2" "$_staging/$1"
        chmod +x "$_staging/$1"
        shift 2
    done
    mv "$_staging" "$_home"
}
# find_commands NAME [DIR...]: every NAME along PATH, then in the DIRs, one a line (called with
# IFS=:, which splits PATH and what glob_dirs joins).
find_commands() {
    _name=$1
    shift
    for _d in $PATH "$@"; do
        case $_d in /*) ;; *) continue ;; esac
        if [ -x "$_d/$_name" ] && [ ! -d "$_d/$_name" ]; then printf '%s\n' "$_d/$_name"; fi
    done
}
