# ds01's takeover of the names and script paths users already call.
# packaging/build-deb puts this text into postinst and postrm (where #TAKEOVER#
# stands): postrm runs after the package's files are gone, so it cannot source
# a file of the package.  POSIX sh (dash), `set -e` in the caller.
#
# - Every command name becomes a link to /usr/bin/ds01 in /usr/local/bin, in
#   front of AIME's and DS01's links there.  What a link replaces is copied to
#   /var/lib/ds01/replaced/<path> (not beside it: /usr/local/bin is on PATH).
# - The old script paths of an AIME or DS01 installation (if there is one)
#   become small Python shims that exec ds01; the original stays beside as
#   NAME.ds01-orig.
# - /var/lib/ds01/takeover.list records every path taken over, one a line:
#   PATH <tab> KIND <tab> SHA256 <tab> SAVED, where KIND is `file` (SHA256 of
#   its contents), `link` (SHA256 of its target) or `new` (nothing was there,
#   SHA256 and SAVED are `-`).  Removing the package restores exactly that.

DS01_BIN=/usr/bin/ds01
DS01_LINK_DIR=/usr/local/bin
DS01_VARLIB=/var/lib/ds01
DS01_MANIFEST=$DS01_VARLIB/takeover.list
DS01_SAVED=$DS01_VARLIB/replaced
DS01_SHIM_MARK='# ds01-shim:'
# The old script paths, each with the command name ds01 answers to there.
DS01_SCRIPTS='/opt/aime-ml-containers/mlc.py mlc
/opt/ds01-infra/scripts/docker/get_resource_limits.py get_resource_limits
/opt/ds01-infra/scripts/docker/gpu_allocator_v2.py gpu_allocator_v2
/opt/ds01-infra/scripts/docker/gpu_allocator.py gpu_allocator
/opt/ds01-infra/scripts/docker/gpu-state-reader.py gpu-state-reader
/opt/ds01-infra/scripts/docker/gpu-availability-checker.py gpu-availability-checker'
TAB=$(printf '\t')

ds01_warn() { echo "ds01: $*" >&2; }

ds01_exists() { [ -e "$1" ] || [ -L "$1" ]; }

# KIND <tab> SHA256 of what is at $1 (a link's target, a file's contents).
ds01_fingerprint() {
    if [ -L "$1" ]; then
        printf 'link\t%s\n' "$(readlink "$1" | sha256sum | cut -d' ' -f1)"
    elif [ -f "$1" ]; then
        printf 'file\t%s\n' "$(sha256sum <"$1" | cut -d' ' -f1)"
    else
        printf 'other\t-\n'
    fi
}

# Whether $1 is ds01's: a link to the binary, or one of our shims.
ds01_is_ours() {
    if [ -L "$1" ]; then
        [ "$(readlink "$1")" = "$DS01_BIN" ]
    else
        [ -f "$1" ] && sed -n 2p "$1" | grep -qF "$DS01_SHIM_MARK"
    fi
}

# The manifest line of path $1 (empty when it is not recorded).
ds01_recorded() {
    [ -f "$DS01_MANIFEST" ] || return 0
    awk -F '\t' -v p="$1" '$1 == p' "$DS01_MANIFEST"
}

ds01_record() {
    mkdir -p "$DS01_VARLIB"
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$DS01_MANIFEST"
}

ds01_forget() {
    awk -F '\t' -v p="$1" '$1 != p' "$DS01_MANIFEST" >"$DS01_MANIFEST.new"
    mv -f "$DS01_MANIFEST.new" "$DS01_MANIFEST"
}

# Keep what is at $1 (not ours) as $2 and record it, unless it is recorded
# already.  Fails when $1 was recorded with other contents: something
# replaced ds01's link or shim since, and that is the administrator's call.
ds01_save() {
    now=$(ds01_fingerprint "$1")
    line=$(ds01_recorded "$1")
    if [ -n "$line" ]; then
        [ "$(printf '%s\n' "$line" | cut -f2,3)" = "$now" ] && return 0
        ds01_warn "$1 changed after ds01 took it over; left as it is"
        return 1
    fi
    mkdir -p "$(dirname "$2")"
    rm -rf "$2"
    cp -a "$1" "$2"
    if [ "$(ds01_fingerprint "$2")" != "$now" ]; then
        ds01_warn "could not keep a copy of $1; left as it is"
        return 1
    fi
    ds01_record "$1" "$now" "$2"
}

# Put what is at $2 (a file or link) in place of $1 in one rename.
ds01_replace() {
    rm -f "$1.ds01-new"
    cp -a "$2" "$1.ds01-new"
    mv -Tf "$1.ds01-new" "$1"
}

# /usr/local/bin/$1 -> /usr/bin/ds01.
ds01_take_link() {
    path=$DS01_LINK_DIR/$1
    ds01_is_ours "$path" && return 0
    if [ -d "$path" ] && [ ! -L "$path" ]; then
        ds01_warn "$path is a directory; left as it is"
        return 0
    fi
    if ds01_exists "$path"; then
        ds01_save "$path" "$DS01_SAVED$path" || return 0
    elif [ -z "$(ds01_recorded "$path")" ]; then
        ds01_record "$path" "new$TAB-" "-"
    fi
    rm -f "$path.ds01-new"
    ln -s "$DS01_BIN" "$path.ds01-new"
    mv -Tf "$path.ds01-new" "$path"
}

# The Python that stands at an old script path ($1) for command $2: run as a
# script it execs ds01 under that name; loaded as a module (DS01's own Python
# loads some of these files by path) or once ds01 is gone, it is the original.
ds01_shim_text() {
    cat <<EOF
#!/usr/bin/env python3
$DS01_SHIM_MARK this script now runs \`$2\` from ds01 (/usr/bin/ds01).
# The original is kept beside it as $(basename "$1").ds01-orig and is put back
# when the ds01 package is removed.
import os
import sys

_DS01 = "$DS01_BIN"
if __name__ == "__main__" and os.access(_DS01, os.X_OK):
    os.execv(_DS01, ["$2"] + sys.argv[1:])
_original = os.path.join(os.path.dirname(os.path.abspath(__file__)), "$(basename "$1").ds01-orig")
with open(_original, encoding="utf-8") as _f:
    exec(compile(_f.read(), _original, "exec"))
EOF
}

# The old script path $1 (if there is an installation) runs ds01's $2.
ds01_take_script() {
    ds01_exists "$1" || return 0
    if ! ds01_is_ours "$1"; then
        ds01_save "$1" "$1.ds01-orig" || return 0
    fi
    ds01_shim_text "$1" "$2" >"$1.ds01-shim"
    chmod --reference="$1.ds01-orig" "$1.ds01-shim"
    chown --reference="$1.ds01-orig" "$1.ds01-shim"
    mv -Tf "$1.ds01-shim" "$1"
}

# The names to link: what `ds01 install-links` makes, decided by ds01 itself
# (`docker` on a DS01 server only), in a clean environment so that the
# caller's DS01_CONFIG_DIR cannot change the decision.
ds01_names() {
    scratch=$(mktemp -d)
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$DS01_BIN" install-links "$scratch" >/dev/null
    ls -A "$scratch"
    rm -rf "$scratch"
}

# Put back what was at $1 (manifest fields: $2 kind, $3 sha256, $4 saved).
ds01_restore_one() {
    if ds01_exists "$1" && ! ds01_is_ours "$1"; then
        ds01_warn "$1 changed after ds01 took it over; left as it is"
        if [ "$2" != new ] && ds01_exists "$4" && [ "$4" != "$1.ds01-orig" ]; then
            ds01_replace "$1.ds01-backup" "$4"
            ds01_warn "what ds01 replaced there is kept as $1.ds01-backup"
        fi
        return 0
    fi
    if [ "$2" = new ]; then
        rm -f "$1"
    elif ! ds01_exists "$4"; then
        ds01_warn "the original of $1 ($4) is gone; removing ds01's"
        rm -f "$1"
    else
        [ "$(ds01_fingerprint "$4")" = "$2$TAB$3" ] ||
            ds01_warn "$4 changed since ds01 kept it; putting it back anyway"
        ds01_replace "$1" "$4"
    fi
    if [ -n "$4" ] && [ "$4" != - ]; then
        rm -f "$4"
    fi
}

# Take over every command name and old script path.  Names that this
# version no longer links (or `docker` off a DS01 server) are given back.
ds01_take_all() {
    names=$(ds01_names)
    mkdir -p "$DS01_LINK_DIR"
    for name in $names; do
        ds01_take_link "$name"
    done
    printf '%s\n' "$DS01_SCRIPTS" | while read -r path name; do
        ds01_take_script "$path" "$name"
    done
    [ -f "$DS01_MANIFEST" ] || return 0
    awk -F '\t' -v d="$DS01_LINK_DIR/" 'index($1, d) == 1' "$DS01_MANIFEST" |
        while IFS="$TAB" read -r path kind sum saved; do
            if ! printf '%s\n' "$names" | grep -qxF "${path#"$DS01_LINK_DIR"/}"; then
                ds01_restore_one "$path" "$kind" "$sum" "$saved"
                ds01_forget "$path"
            fi
        done
}

# Give back everything the manifest lists, newest first, and forget it.
ds01_restore_all() {
    [ -f "$DS01_MANIFEST" ] || return 0
    tac "$DS01_MANIFEST" | while IFS="$TAB" read -r path kind sum saved; do
        ds01_restore_one "$path" "$kind" "$sum" "$saved"
    done
    rm -f "$DS01_MANIFEST"
    rm -rf "$DS01_SAVED"
    rmdir --ignore-fail-on-non-empty "$DS01_VARLIB" 2>/dev/null || true
}
