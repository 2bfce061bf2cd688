# Shared by the engine scripts (sourced, not run).
ROOT=${DS01_TEST_ROOT:-/tmp/ds01-test}
ROOT=${ROOT%/}
SOCK=$ROOT/docker.sock
# The local registry standing for Docker Hub (`up`, `registry`).
# shellcheck disable=SC2034  # used by the scripts that source this
REGISTRY=$ROOT/registry
# shellcheck disable=SC2034  # used by the scripts that source this
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

case $ROOT in /?*) ;; *) die "DS01_TEST_ROOT must be an absolute path other than / (got '$ROOT')" ;; esac
[ "$(id -u)" = 0 ] || die "must run as root (it starts dockerd, creates devices and users)"

# True when our private dockerd answers on $SOCK.
engine_answers() {
    [ -S "$SOCK" ] && DOCKER_HOST=unix://$SOCK timeout 5 docker version >/dev/null 2>&1
}

# True when process $1 runs (a zombie, not yet reaped, counts as gone).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ ${stat##*) } != Z* ]]
}

# The pid from our pidfile, if that process is alive.
engine_pid() {
    local pid
    pid=$(cat "$ROOT/dockerd.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && alive "$pid" && echo "$pid"
}
