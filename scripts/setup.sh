# Sourced by scripts/rlhf and scripts/test: makes sure the system libraries
# the package links (OpenBLAS for GEMM, libedit for line editing) are present.
need=()
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists libedit 2>/dev/null || need+=(libedit-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing ${need[*]} ..." >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null \
            || { echo "error: apt-get install ${need[*]} failed" >&2; exit 1; }
    else
        echo "error: missing system libraries: ${need[*]}" >&2
        echo "install them with: sudo apt-get install -y ${need[*]}" >&2
        exit 1
    fi
fi
command -v swift >/dev/null || { echo "error: swift not found; install the Swift 6 toolchain (swift.org)" >&2; exit 1; }
