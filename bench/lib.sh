# Helpers the benchmarks share (sourced).

# Wall time of one run of "$@" in microseconds, output discarded (bash's own
# clock keeps the timer's cost out of the figures).
time_us() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0))
}

# The median of microsecond figures, in milliseconds.
median_ms() {
    printf '%s\n' "$@" | sort -n | awk -v n=$# 'NR == int((n + 1) / 2) { printf "%.1f", $1 / 1000 }'
}

# Engine requests of one run of "$@": total (listings, inspects).
requests() {
    local trace
    trace=$(DS01_ENGINE_TRACE=1 "$@" 2>&1 >/dev/null | grep 'ds01: engine:' || true)
    printf '%d (%d list, %d inspect)' "$(grep -c . <<<"$trace")" \
        "$(grep -c 'GET /containers/json$' <<<"$trace")" \
        "$(grep -c 'GET /containers/{id}/json$' <<<"$trace")"
}

# a / b with two decimals.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
