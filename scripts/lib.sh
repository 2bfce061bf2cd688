# Shared by scripts/*: locate the repository and make sure a Rust toolchain is there.
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=x86_64-unknown-linux-gnu
RELEASE_BIN=$ROOT_DIR/target/$TARGET/release/ds01

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_rust() {
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    command -v cargo >/dev/null ||
        die "cargo not found: install a Rust toolchain >= 1.85 (rustup; on Debian 13: apt-get install rustup && rustup default stable)"
    rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
        rustup target add "$TARGET" >/dev/null 2>&1 || true
}

# glibc's static archives come with libc6-dev; `file` reports the result.
need_build_packages() {
    local missing=()
    command -v cc >/dev/null || missing+=(gcc)
    [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
    command -v file >/dev/null || missing+=(file)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_release() {
    say "building the static ds01 binary"
    (cd "$ROOT_DIR" && cargo build --release -p ds01 --locked)
    file "$RELEASE_BIN" | grep -q 'static' || die "$RELEASE_BIN is not statically linked"
}

# cargo-deb builds the .deb (packaging/build-deb); installed once, in a
# target directory of its own so that it never touches ours.
need_cargo_deb() {
    command -v cargo-deb >/dev/null && return 0
    say "installing cargo-deb (cargo install --locked; a few minutes)"
    CARGO_TARGET_DIR=$ROOT_DIR/target/cargo-deb-build cargo install cargo-deb --locked --quiet
    rm -rf "$ROOT_DIR/target/cargo-deb-build"
}

# What packaging/test-install needs: a Debian root (mmdebstrap), lintian.
need_package_test_tools() {
    local missing=()
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v lintian >/dev/null || missing+=(lintian)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
