#!/usr/bin/env bash
# The ledger benchmark (README, Benchmarks): ingest and verify throughput on SQLite for realistic
# 1–2 KB events, next to the two references the bars are measured against, taken in the
# same run on the same bytes:
#   - raw `sqlite3` import of the producer lines into one table (WAL, synchronous=FULL);
#   - `openssl dgst -sha256` over the exported records (the hashing limit).
# Bars: ingest within 2x of the raw import, verify within 4x of the hashing.
#
# Usage: benches/ledger.sh [N]   (N events, default 100000)
#
# It prints figures; it asserts nothing about time (the machine is shared and noisy).
# Each timed step runs RUNS times (fresh databases where a run writes) and the median
# is reported. It exits non-zero only when a step fails, not when a bar is missed.
set -euo pipefail
shopt -s inherit_errexit

N="${1:-100000}"
RUNS="${RUNS:-3}"
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [N]   (N = number of events, a positive integer)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v sqlite3 >/dev/null; then
    echo "sqlite3 is missing; installing it" >&2
    apt-get install -y sqlite3 >&2
fi
for tool in openssl awk; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

echo "building (release)…" >&2
cargo build --release --quiet
# The binary cargo just built, wherever CARGO_TARGET_DIR points.
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
CUSTODY="${TARGET_DIR:-$ROOT/target}/release/custody"
[[ -x "$CUSTODY" ]] || { echo "no binary at $CUSTODY" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custody-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A config and data directory of its own, so the signing key and default store of the
# person running the benchmark are never touched.
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset CUSTODY_STORE
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"

# Seconds since the epoch with microseconds (bash 5).
now() { echo "${EPOCHREALTIME/,/.}"; }

# Median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Runs "$@" with its output discarded and prints the elapsed seconds. The command's
# own exit status is kept, so a failed step stops the benchmark (set -e).
timed() {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null || return
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f\n", b - a}'
}

INPUT="$WORK/events.jsonl"
echo "generating $N events…" >&2
"$CUSTODY" seed --events "$N" --seed 1 --until 2026-11-20T12:00:00Z --jsonl "$INPUT"
LINES=$(wc -l <"$INPUT")
INPUT_BYTES=$(wc -c <"$INPUT")
# The demo history holds custody's own events too (pauses, incidents), which ingest
# refuses and `seed --jsonl` leaves out: the benchmark runs on the producer lines.
[[ "$LINES" -gt 0 && "$LINES" -le "$N" ]] || { echo "seed wrote $LINES lines for $N events" >&2; exit 2; }
N="$LINES"
# Create the signing key now, so no timed run pays for it.
"$CUSTODY" key >/dev/null

# --- reference 1: raw sqlite3 import ----------------------------------------------
# One TEXT column, one line per row. ASCII mode with the unit separator (0x1f, never in
# JSON text) between columns and a newline between rows keeps each line one value with
# no quote processing. The shell's .import runs in one transaction.
raw_import() {
    local db="$1"
    sqlite3 "$db" <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE lines (line TEXT);
.mode ascii
.separator "\037" "\n"
.import $INPUT lines
EOF
}

echo "reference: raw sqlite3 import ×$RUNS…" >&2
raw_times=()
for i in $(seq "$RUNS"); do
    db="$WORK/raw-$i.db"
    t=$(timed raw_import "$db")
    raw_times+=("$t")
    rows=$(sqlite3 "$db" "SELECT count(*) FROM lines;")
    [[ "$rows" -eq "$N" ]] || { echo "raw import stored $rows rows, wanted $N" >&2; exit 2; }
    rm -f "$db" "$db-wal" "$db-shm"
done

# --- custody ingest ------------------------------------------------------------------
echo "custody ingest ×$RUNS…" >&2
ingest_times=()
for i in $(seq "$RUNS"); do
    db="$WORK/ledger-$i.db"
    t=$(timed "$CUSTODY" --store "$db" ingest "$INPUT")
    ingest_times+=("$t")
    # Keep the last store for verify and export; the others only cost disk.
    if [[ "$i" -lt "$RUNS" ]]; then rm -f "$db" "$db-wal" "$db-shm"; fi
done
STORE="$WORK/ledger-$RUNS.db"

# --- custody verify ------------------------------------------------------------------
echo "custody verify ×$RUNS…" >&2
verify_times=()
for i in $(seq "$RUNS"); do
    # verify exits 0 only when the ledger is intact; anything else stops the run.
    t=$(timed "$CUSTODY" --store "$STORE" verify)
    verify_times+=("$t")
done

# --- reference 2: openssl over the exported bytes ------------------------------------
EXPORT="$WORK/export.jsonl"
"$CUSTODY" --store "$STORE" export -o "$EXPORT"
EXPORT_BYTES=$(wc -c <"$EXPORT")
EXPORT_LINES=$(wc -l <"$EXPORT")
[[ "$EXPORT_LINES" -eq "$N" ]] || { echo "export wrote $EXPORT_LINES lines, wanted $N" >&2; exit 2; }
echo "reference: openssl dgst -sha256 ×$RUNS (after a warm-up run)…" >&2
openssl dgst -sha256 "$EXPORT" >/dev/null
hash_times=()
for i in $(seq "$RUNS"); do
    t=$(timed openssl dgst -sha256 "$EXPORT")
    hash_times+=("$t")
done

# --- report --------------------------------------------------------------------------
raw=$(median "${raw_times[@]}")
ingest=$(median "${ingest_times[@]}")
verify=$(median "${verify_times[@]}")
hash=$(median "${hash_times[@]}")

echo
echo "custody ledger benchmark: $N events, $(nproc) cores, median of $RUNS runs"
awk -v b="$INPUT_BYTES" -v n="$N" 'BEGIN {printf "producer lines: %.1f MB, mean %.0f bytes per line\n", b/1e6, b/n}'
awk -v b="$EXPORT_BYTES" -v n="$N" 'BEGIN {printf "exported records: %.1f MB, mean %.0f bytes per record\n", b/1e6, b/n}'
echo
row() { # name seconds bytes all-runs
    awk -v name="$1" -v s="$2" -v b="$3" -v n="$N" -v runs="$4" \
        'BEGIN {printf "%-28s %8.3f s %9.1f MB/s %11.0f events/s   [%s]\n", name, s, b/1e6/s, n/s, runs}'
}
printf '%-28s %10s %14s %20s\n' "step" "median" "throughput" "rate"
row "raw sqlite3 import (ref)" "$raw" "$INPUT_BYTES" "${raw_times[*]}"
row "custody ingest" "$ingest" "$INPUT_BYTES" "${ingest_times[*]}"
row "openssl dgst -sha256 (ref)" "$hash" "$EXPORT_BYTES" "${hash_times[*]}"
row "custody verify" "$verify" "$EXPORT_BYTES" "${verify_times[*]}"
echo
verdict() { # name ratio bar
    awk -v name="$1" -v r="$2" -v bar="$3" \
        'BEGIN {printf "%-28s %6.2fx   bar %gx   %s\n", name, r, bar, (r <= bar) ? "PASS" : "MISS"}'
}
verdict "ingest / raw import" "$(awk -v a="$ingest" -v b="$raw" 'BEGIN {print a/b}')" 2
verdict "verify / openssl" "$(awk -v a="$verify" -v b="$hash" 'BEGIN {print a/b}')" 4
