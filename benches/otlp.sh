#!/usr/bin/env bash
# The OTLP ingest benchmark (README, Benchmarks): `custody serve` on SQLite, fed GenAI
# tool spans that the real OpenTelemetry Python SDK made and encoded (protobuf, 512
# spans per request, as its exporter batches them) over loopback, printing spans
# sealed per second (bar: >= 20,000/s), serve's peak memory and the core count. The
# spans are made before the clock starts; only posting and sealing are timed. It
# asserts nothing about time (the machine is shared).
#
# Usage: benches/otlp.sh [SPANS] [CONNECTIONS]   (default 100000 spans, 4 connections)
set -euo pipefail
shopt -s inherit_errexit

SPANS="${1:-100000}"
CONNECTIONS="${2:-4}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }
python3 -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http" 2>/dev/null \
    || python3 -m pip install --quiet "opentelemetry-sdk==1.45.2" "opentelemetry-exporter-otlp-proto-http==1.45.2"

if [[ -z "${CUSTODY:-}" ]]; then
    echo "building (release)…" >&2
    cargo build --release --quiet
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    CUSTODY="${TARGET_DIR:-$ROOT/target}/release/custody"
fi
[[ -x "$CUSTODY" ]] || { echo "no binary at $CUSTODY" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custody-otlp-bench.XXXXXX")"
SERVE_PID=""
cleanup() {
    [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset CUSTODY_STORE
mkdir -p "$XDG_CONFIG_HOME/custody" "$XDG_DATA_HOME"
cat > "$XDG_CONFIG_HOME/custody/config.toml" <<TOML
allow_operator_override = true
[roles]
bench-admin = "admin"
[[tools.map]]
pattern = "refund.*"
tier = "T3"
target_system = "stripe"
TOML
STORE="$WORK/otlp.db"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$CUSTODY" --store "$STORE" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do
    curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
TOKEN="$("$CUSTODY" --store "$STORE" --operator bench-admin agent token issue bench-agent 2>/dev/null \
    | grep -o 'cst_[A-Za-z0-9_-]*' | head -1)"

echo "cores: $(nproc)"
echo "load: $SPANS spans, $CONNECTIONS connections, POST /v1/traces (protobuf)…" >&2
python3 "$ROOT/benches/otlp_load.py" "$BASE" "$TOKEN" "$SPANS" "$CONNECTIONS"
echo "serve_peak_rss_mb=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$SERVE_PID/status)"
"$CUSTODY" --store "$STORE" verify >/dev/null && echo "ledger after the run: verify intact"
