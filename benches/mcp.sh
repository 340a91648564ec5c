#!/usr/bin/env bash
# The MCP proxy benchmark (README, Benchmarks): the added latency of `custody mcp-proxy`
# per allowed tools/call, against calling the same MCP server directly, in one run.
# A release `custody serve` on SQLite is the gate; the server is tests/mcp/server.py on
# the real Python MCP SDK (pinned, installed when missing); benches/mcp_latency.py drives
# both over stdio, interleaving the calls. Prints p50/p99 of each and the difference
# (bar: p99 <= 2 ms), and the gate's sealed decision alone (POST /v1/actions, timed the
# same way) for the split between the gate and the proxy. It asserts nothing about time
# (the machine is shared).
#
# Usage: benches/mcp.sh [CALLS]   (default 2000)
set -euo pipefail
shopt -s inherit_errexit

CALLS="${1:-2000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
python3 -c 'import mcp' 2>/dev/null || python3 -m pip install --quiet "mcp==2.3.0"

if [[ -z "${CUSTODY:-}" ]]; then
    echo "building (release)…" >&2
    cargo build --release --quiet
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    CUSTODY="${TARGET_DIR:-$ROOT/target}/release/custody"
fi
[[ -x "$CUSTODY" ]] || { echo "no binary at $CUSTODY" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custody-mcp-bench.XXXXXX")"
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
pattern = "echo"
tier = "T0"
TOML
STORE="$WORK/gate.db"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$CUSTODY" --store "$STORE" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz')" 2>/dev/null && break
    sleep 0.1
done
CUSTODY_TOKEN="$("$CUSTODY" --store "$STORE" --operator bench-admin agent token issue bench-agent \
    | grep -o 'cst_[A-Za-z0-9_-]*' | head -1)"
export CUSTODY_TOKEN

echo "cores: $(nproc); calls: $CALLS (the first 10% are warm-up, not counted)"
SERVER=(python3 "$ROOT/tests/mcp/server.py")
GATE="http://127.0.0.1:$PORT" python3 "$ROOT/benches/mcp_latency.py" "$CALLS" -- "${SERVER[@]}" -- \
    "$CUSTODY" mcp-proxy --agent bench-agent --gate "http://127.0.0.1:$PORT" -- "${SERVER[@]}"
SEALED="$("$CUSTODY" --store "$STORE" export | grep -c '"kind":"ai.action"' || true)"
echo "outcomes sealed: $SEALED (of $CALLS proxied calls)"
