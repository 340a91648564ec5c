#!/usr/bin/env bash
# The gate benchmark (README, Benchmarks): `custody serve` on SQLite under a real load
# generator on loopback (oha, pinned, installed by this script), printing:
#   - propose → allow decision, sealed: requests/s and p99 (bar: ≥ 2,000/s, p99 ≤ 10 ms);
#   - policy evaluation alone, p99 (bar: ≤ 100 µs; `cargo bench --bench policy`);
#   - approval → the waiting agent's answer, p99 (bar: ≤ 250 ms);
#   - pause sealed → next proposal 423 (bar: ≤ 100 ms);
#   - serve's peak resident memory under that load (bar: ≤ 100 MB);
# and the machine's core count. It asserts nothing about time (the machine is shared).
#
# Usage: benches/gate.sh [SECONDS] [CONNECTIONS]   (load duration in seconds, default 20; connections, default 16)
set -euo pipefail
shopt -s inherit_errexit

SECONDS_LOAD="${1:-20}"
CONNECTIONS="${2:-16}"
OHA_VERSION=1.16.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/custody-bench"
OHA="$TOOLS/bin/oha"
if ! [[ -x "$OHA" ]] || ! "$OHA" --version | grep -q "$OHA_VERSION"; then
    echo "installing oha $OHA_VERSION into $TOOLS (once)…" >&2
    cargo install oha --version "$OHA_VERSION" --locked --root "$TOOLS" --quiet
fi
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }

if [[ -z "${CUSTODY:-}" ]]; then
    echo "building (release)…" >&2
    cargo build --release --quiet
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    CUSTODY="${TARGET_DIR:-$ROOT/target}/release/custody"
fi
[[ -x "$CUSTODY" ]] || { echo "no binary at $CUSTODY" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custody-gate-bench.XXXXXX")"
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
bench-approver = "approver"
TOML
STORE="$WORK/gate.db"
c() { "$CUSTODY" --store "$STORE" --operator bench-admin "$@"; }

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$CUSTODY" --store "$STORE" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do
    curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
AGENT_TOKEN="$(c agent token issue bench-agent 2>/dev/null | grep -o 'cst_[A-Za-z0-9_-]*' | head -1)"
OPERATOR_TOKEN="$(c operator token issue bench-approver --role approver 2>/dev/null | grep -o 'cst_[A-Za-z0-9_-]*' | head -1)"

echo "cores: $(nproc)"
BODY='{"tier":"T1","reason_code":"capacity_surge","action":{"type":"k8s.scale","target_system":"kubernetes","resource":"deploy/web","environment":"staging","params":{"replicas":4}},"ai_output":{"summary":"scale for the surge","confidence":0.9}}'
echo "load: ${SECONDS_LOAD}s, $CONNECTIONS connections, POST /v1/actions (T1 → allow, sealed)…" >&2
"$OHA" -z "${SECONDS_LOAD}s" -c "$CONNECTIONS" --no-tui --output-format json \
    -m POST -H "Authorization: Bearer $AGENT_TOKEN" -H "Content-Type: application/json" \
    -d "$BODY" "$BASE/v1/actions" > "$WORK/oha.json"
python3 - "$WORK/oha.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
print("propose_allow_sealed rps=%.0f p50_ms=%.2f p99_ms=%.2f success_rate=%.4f status=%s (bar: >= 2000 rps, p99 <= 10 ms)"
      % (s["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000, s["successRate"], codes))
PY
echo "serve_peak_rss_mb=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$SERVE_PID/status) (bar: <= 100 MB)"

python3 "$ROOT/benches/gate_latency.py" "$BASE" "$AGENT_TOKEN" "$OPERATOR_TOKEN" \
    "$CUSTODY --store $STORE" 50 2>&1 | sed 's/$/ (bars: approval→answer p99 <= 250 ms; pause→423 <= 100 ms)/'

echo "policy evaluation alone:" >&2
cargo bench --quiet --bench policy 2>/dev/null | grep -i 'p99\|p50' || echo "(cargo bench --bench policy failed)"
"$CUSTODY" --store "$STORE" verify >/dev/null && echo "ledger after the run: verify intact"
