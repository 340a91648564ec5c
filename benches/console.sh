#!/usr/bin/env bash
# The console benchmark (README, Benchmarks) on a 1,000,000-event SQLite store, with the
# same data opened in `lnav` (as JSONL) as the reference, measured in the same run:
#   - open to first frame (and to the first frame with rows);
#   - a tier filter change (T3) and a reason filter change: Enter → page drawn;
#   - a search keystroke's results: key → first results drawn (and → scan done);
#   - resident memory (peak RSS, VmHWM);
#   - append-to-screen latency of the live tail (sealed → drawn), 300 events at 20/s.
# Bars: first frame ≤ 150 ms; filter ≤ 30 ms; search ≤ 150 ms; ≤ 150 MB; tail ≤ 250 ms p99.
#
# Usage: benches/console.sh        (RUNS=3 by default; medians are reported;
#                                  KEEP_WORK=1 keeps the raw timing files)
#
# custody's figures come from its own timing marks (CUSTODY_TIMINGS, see src/timing.rs):
# milliseconds from process start to the frame being written to the terminal. lnav has
# no such marks, so both programs are also timed from outside by polling
# `tmux capture-pane` every ~10 ms (so those figures have ~10 ms granularity plus the
# cost of a capture, a few ms). It prints figures; it asserts nothing about time (the
# machine is shared and noisy) and exits non-zero only when a step fails.
#
# The store and JSONL are built once under target/bench-data/console/ and reused while
# complete. Each run appends its 300 live events to the store (ids differ per run).
set -euo pipefail
shopt -s inherit_errexit

RUNS="${RUNS:-3}"
EVENTS=1000000
SEED_ARGS=(--events "$EVENTS" --days 90 --seed 1 --until 2026-11-20T12:00:00Z)
LIVE_EVENTS=300
LIVE_RATE=20

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

for tool in tmux python3; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
if ! command -v lnav >/dev/null; then
    echo "lnav is missing; installing it" >&2
    apt-get install -y lnav >&2
fi

echo "building (release)…" >&2
cargo build --release --quiet
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-$ROOT/target}"
CUSTODY="$TARGET_DIR/release/custody"
[[ -x "$CUSTODY" ]] || { echo "no binary at $CUSTODY" >&2; exit 2; }

# The data set, with a config and data directory of its own (signing key included), so
# the key and default store of the person running the benchmark are never touched.
DATA="$TARGET_DIR/bench-data/console"
DB="$DATA/store.db"
JSONL="$DATA/events.jsonl"
STAMP="$DATA/complete"
export XDG_CONFIG_HOME="$DATA/config" XDG_DATA_HOME="$DATA/data"
unset CUSTODY_STORE
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "${SEED_ARGS[*]}" && -f "$DB" && -f "$JSONL" ]]; then
    echo "reusing the $EVENTS-event store in $DATA" >&2
else
    echo "seeding $EVENTS events into $DB (a few minutes)…" >&2
    rm -rf "$DATA"
    mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"
    "$CUSTODY" --store "$DB" seed "${SEED_ARGS[@]}" >&2
    echo "exporting the same records as JSONL for lnav…" >&2
    "$CUSTODY" --store "$DB" export -o "$JSONL"
    echo "${SEED_ARGS[*]}" >"$STAMP"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custody-console-bench.XXXXXX")"
SOCKET="custody-bench-$$"
cleanup() {
    tmux -L "$SOCKET" -f /dev/null kill-server 2>/dev/null || true
    if [[ -n "${KEEP_WORK:-}" ]]; then
        echo "kept the timing files in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

cat >"$WORK/drive.py" <<'PY'
"""Drives one program in tmux and prints its figures as one JSON line; or reports."""
import json, os, re, shlex, statistics, subprocess, sys, time

W, H = 160, 48
POLL = 0.010

def tmux(sock, *args):
    return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *args],
                          capture_output=True, text=True).stdout

class Pane:
    def __init__(self, sock, command):
        self.sock = sock
        self.t0 = time.monotonic()
        tmux(sock, "new-session", "-d", "-s", "b", "-x", str(W), "-y", str(H), command)
        self.pid = int(tmux(sock, "list-panes", "-t", "b", "-F", "#{pane_pid}").split()[0])

    def screen(self):
        return tmux(self.sock, "capture-pane", "-p", "-t", "b")

    def keys(self, *keys, literal=False, gap=0.15):
        for k in keys:
            tmux(self.sock, "send-keys", "-t", "b", *(["-l"] if literal else []), k)
            time.sleep(gap)

    def poll(self, pred, since, timeout=30.0):
        """Polls the screen until pred(screen); ms since `since` (monotonic), or None."""
        while True:
            s = self.screen()
            t = time.monotonic()
            if pred(s):
                return (t - since) * 1000.0, s
            if t - since > timeout:
                return None, s
            time.sleep(POLL)

    def press_and_poll(self, key, pred, timeout=30.0, literal=False):
        t = time.monotonic()
        tmux(self.sock, "send-keys", "-t", "b", *(["-l"] if literal else []), key)
        return self.poll(pred, t, timeout)

    def memory(self):
        out = {}
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("VmHWM", "VmRSS"):
                        out[k] = int(v.split()[0]) / 1024.0
        except OSError:
            pass
        return out

    def close(self, quit_keys):
        for k in quit_keys:
            tmux(self.sock, "send-keys", "-t", "b", k)
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while os.path.exists(f"/proc/{self.pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
        tmux(self.sock, "kill-server")

ROW = re.compile(r"^\d\d:\d\d:\d\d +\S+ T[0-3] ", re.M)

def ledger_state(screen):
    first = screen.split("\n", 1)[0]
    m = re.search(r"verifying (\d+)%", first)
    if m:
        return f"verifying {m.group(1)}%"
    return "verified" if "verified" in first else ("broken" if "broken" in first.lower() else "?")

def custody(sock, binary, db, timings, live_until):
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in [
        ("CUSTODY_TIMINGS", timings),
        ("XDG_CONFIG_HOME", os.environ["XDG_CONFIG_HOME"]),
        ("XDG_DATA_HOME", os.environ["XDG_DATA_HOME"])])
    cmd = f"exec env {env} {shlex.quote(binary)} --store {shlex.quote(db)} --color never --no-mouse"
    p = Pane(sock, cmd)
    out = {}
    out["screen_rows_ms"], s = p.poll(lambda s: ROW.search(s), p.t0)
    out["mem_after_first_page"] = p.memory()
    time.sleep(1.0)
    states = {}
    applied = {"tier": [], "reason": []}
    for _ in range(3):
        # Tier filter: picker, cursor to T3, toggle, apply; then clear.
        p.keys("t", "j", "j", "j", "Space")
        states["tier"] = ledger_state(p.screen())
        p.keys("Enter", gap=1.0)
        applied["tier"].append("tier T3" in p.screen())
        p.keys("c", gap=1.0)
        # Reason filter: picker, toggle the first reason, apply; then clear.
        p.keys("r", "Space")
        states["reason"] = ledger_state(p.screen())
        p.keys("Enter", gap=1.0)
        applied["reason"].append("reason " in p.screen())
        p.keys("c", gap=1.0)
    out["applied"] = applied
    # Search: five keystrokes, ~300 ms apart.
    p.keys("/", gap=0.3)
    states["search"] = ledger_state(p.screen())
    for ch in "expor":
        p.keys(ch, literal=True, gap=0.3)
    time.sleep(1.0)
    p.keys("Escape", gap=0.5)
    # Live tail: LIVE events at RATE/s, one sealed transaction each.
    states["live"] = ledger_state(p.screen())
    n, rate = int(os.environ["LIVE_EVENTS"]), float(os.environ["LIVE_RATE"])
    gen = subprocess.Popen([binary, "seed", "--events", str(n), "--days", "1", "--seed", "99",
                            "--until", live_until, "--jsonl", "-"],
                           stdout=subprocess.PIPE, text=True)
    ingest = subprocess.Popen([binary, "--store", db, "ingest", "--batch", "1", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    start = time.monotonic()
    for i, line in enumerate(gen.stdout):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        ingest.stdin.write(line)
        ingest.stdin.flush()
    ingest.stdin.close()
    if gen.wait() != 0 or ingest.wait() != 0:
        raise SystemExit("live ingest failed")
    time.sleep(1.5)
    out["mem"] = p.memory()
    out["ledger_at"] = states
    p.close(["q"])
    out.update(parse_timings(timings))
    return out

def parse_timings(path):
    marks = []
    with open(path) as f:
        for line in f:
            ms, _, label = line.strip().partition(" ")
            marks.append((float(ms), label))
    def after(i, pred):
        for j in range(i + 1, len(marks)):
            if pred(marks[j][1]):
                return j
        return None
    out = {"first_frame": None, "first_rows": None, "filters": [], "clears": [],
           "search": [], "lags": []}
    for ms, label in marks:
        if label == "frame first" and out["first_frame"] is None:
            out["first_frame"] = ms
        m = re.match(r"frame page request=\d+ rows=(\d+)", label)
        if m and int(m.group(1)) > 0 and out["first_rows"] is None:
            out["first_rows"] = ms
        m = re.match(r"frame appended seq=\d+ lag_ms=(-?\d+)", label)
        if m:
            out["lags"].append(int(m.group(1)))
    in_search, picker = False, None
    for i, (ms, label) in enumerate(marks):
        if not label.startswith("key "):
            continue
        key = label[4:]
        if key in ("Char('t')", "Char('r')") and not in_search:
            picker = "tier" if key == "Char('t')" else "reason"
        elif key in ("Enter", "Char('c')") and not in_search:
            j = after(i, lambda l: l.startswith("frame page") or l.startswith("key "))
            if j is not None and marks[j][1].startswith("frame page"):
                rows = int(re.search(r"rows=(\d+)", marks[j][1]).group(1))
                (out["filters"] if key == "Enter" else out["clears"]).append(
                    {"ms": marks[j][0] - ms, "rows": rows, "picker": picker})
        elif key == "Char('/')":
            in_search = True
        elif key == "Esc":
            in_search = False
        elif in_search and key.startswith("Char("):
            j = after(i, lambda l: l.startswith("search start") or l.startswith("key "))
            if j is None or not marks[j][1].startswith("search start"):
                continue
            req = re.search(r"request=(\d+)", marks[j][1]).group(1)
            first = after(j, lambda l: l.startswith(f"frame search request={req} "))
            done = after(j, lambda l: l.startswith(f"frame search request={req} ")
                         and l.endswith("done=true"))
            hit = {"key": key}
            if first is not None:
                hit["first_ms"] = marks[first][0] - ms
                hit["first_hits"] = int(re.search(r"hits=(\d+)", marks[first][1]).group(1))
                hit["first_done"] = marks[first][1].endswith("done=true")
            if done is not None:
                hit["done_ms"] = marks[done][0] - ms
                hit["done_hits"] = int(re.search(r"hits=(\d+)", marks[done][1]).group(1))
            out["search"].append(hit)
    return out

def lnav(sock, jsonl, home):
    cmd = f"exec env HOME={shlex.quote(home)} lnav {shlex.quote(jsonl)}"
    p = Pane(sock, cmd)
    out = {}
    content = re.compile(r"^\{\"", re.M)
    out["screen_rows_ms"], s = p.poll(lambda s: content.search(s), p.t0, timeout=120)
    # Let it finish loading (the line counter stops moving) before interacting.
    last, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < 1.0:
        cur = re.findall(r"L\d+", p.screen())
        if cur != last:
            last, stable_since = cur, time.monotonic()
        time.sleep(0.1)
    # Filter: type the command, then time Enter → the filter's effect on screen.
    p.keys(':filter-in "tier":"T3"', literal=True, gap=1.0)
    ms, s = p.press_and_poll("Enter", lambda s: "Lines not shown" in s)
    out["filter_ms"] = ms
    time.sleep(1.0)
    # Remove the filter and wait until lines show again.
    p.keys(':delete-filter "tier":"T3"', literal=True, gap=0.5)
    p.press_and_poll("Enter", lambda s: "deleted filter" in s and content.search(s), timeout=60)
    time.sleep(1.0)
    # Search: open the prompt and type (retrying if lnav was busy and the prompt did not
    # take the text), then time Enter → first hits shown, and until the count settles.
    for _ in range(3):
        p.keys("/", gap=0.3)
        p.keys("export", literal=True, gap=0.3)
        typed, s = p.poll(lambda s: "Search for:" in s and "export" in s.rstrip().splitlines()[-1],
                          time.monotonic(), timeout=5)
        if typed is not None:
            break
        p.keys("Escape", "Escape", gap=0.5)
    hits = re.compile(r"([\d,]+) hits? for")
    t = time.monotonic()
    ms, s = p.press_and_poll("Enter", lambda s: hits.search(s))
    out["search_first_ms"] = ms
    out["search_settled_ms"], out["search_hits"] = None, None
    if ms is None:
        out["diag"] = s.rstrip().splitlines()[-3:]
    else:
        last, last_change = None, time.monotonic()
        while time.monotonic() - last_change < 2.0 and time.monotonic() - t < 60:
            m = hits.search(p.screen())
            cur = m.group(1) if m else None
            if cur != last:
                last, last_change = cur, time.monotonic()
            time.sleep(POLL)
        out["search_settled_ms"] = (last_change - t) * 1000.0
        out["search_hits"] = last
    out["mem"] = p.memory()
    p.close(["Escape", "q"])
    return out

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q / 100.0 * len(xs) + 0.5)) - 1))]

def fmt(v, unit="ms"):
    if v is None:
        return "—"
    return f"{v:.0f} {unit}" if v >= 10 else f"{v:.1f} {unit}"

def report(path):
    runs = [json.loads(l) for l in open(path) if l.strip()]
    cs = [r["custody"] for r in runs]
    ls = [r["lnav"] for r in runs]
    rows = []
    def row(metric, c, bar, lv, ok=None):
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        rows.append((metric, c, bar, verdict, lv))
    ff = med([c["first_frame"] for c in cs])
    fr = med([c["first_rows"] for c in cs])
    row("open → first frame (own mark)", fmt(ff), "≤ 150 ms", "n/a", ff is not None and ff <= 150)
    row("open → first frame with rows (own mark)", fmt(fr), "≤ 150 ms", "n/a",
        fr is not None and fr <= 150)
    sr = med([c["screen_rows_ms"] for c in cs])
    lr = med([l["screen_rows_ms"] for l in ls])
    row("launch → rows on screen (polled)", fmt(sr), "(≤ 150 ms)", fmt(lr))
    tf = med([med([f["ms"] for f in c["filters"] if f["picker"] == "tier"]) for c in cs])
    rf = med([med([f["ms"] for f in c["filters"] if f["picker"] == "reason"]) for c in cs])
    fx = max([f["ms"] for c in cs for f in c["filters"]], default=None)
    cl = med([med([x["ms"] for x in c["clears"]]) for c in cs])
    lf = med([l["filter_ms"] for l in ls])
    row("filter: tier T3, Enter → page drawn", fmt(tf), "≤ 30 ms", fmt(lf) + " (polled)",
        tf is not None and tf <= 30)
    row("filter: reason, Enter → page drawn", fmt(rf), "≤ 30 ms", "", rf is not None and rf <= 30)
    row("filter: clear (c) → page drawn", fmt(cl), "≤ 30 ms", "", cl is not None and cl <= 30)
    row("filter: slowest of all the above", fmt(fx), "≤ 30 ms", "", fx is not None and fx <= 30)
    firsts = [h.get("first_ms") for c in cs for h in c["search"]]
    dones = [h.get("done_ms") for c in cs for h in c["search"]]
    sm, sx = med(firsts), max([x for x in firsts if x is not None], default=None)
    row("search keystroke → results drawn (median)", fmt(sm), "≤ 150 ms",
        fmt(med([l["search_first_ms"] for l in ls])) + " first hits (polled)",
        sm is not None and sm <= 150)
    row("search keystroke → results drawn (max)", fmt(sx), "≤ 150 ms", "",
        sx is not None and sx <= 150)
    row("search keystroke → scan done (median)", fmt(med(dones)), "", 
        fmt(med([l["search_settled_ms"] for l in ls])) + " count settles (polled)")
    mem = med([c["mem"].get("VmHWM") for c in cs])
    lmem = med([l["mem"].get("VmHWM") for l in ls])
    row("peak resident memory (VmHWM)", fmt(mem, "MB"), "≤ 150 MB", fmt(lmem, "MB"),
        mem is not None and mem <= 150)
    p50 = med([pct(c["lags"], 50) for c in cs])
    p99 = med([pct(c["lags"], 99) for c in cs])
    row("live tail sealed → drawn, p50", fmt(p50), "", "n/a")
    row("live tail sealed → drawn, p99", fmt(p99), "≤ 250 ms", "n/a", p99 is not None and p99 <= 250)
    widths = [max(len(str(r[i])) for r in rows + [("metric", "custody", "bar", "", "lnav")])
              for i in range(5)]
    head = ("metric", "custody", "bar", "", "lnav 0.11 (JSONL)")
    for r in [head] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    print()
    print(f"medians of {len(runs)} runs. Per run:")
    for i, (c, l) in enumerate(zip(cs, ls), 1):
        search = ", ".join(
            f"{h['key'][6:-2]} {fmt(h.get('first_ms'))}"
            f" ({h.get('first_hits')} hits{', done' if h.get('first_done') else ', partial'})"
            f" done {fmt(h.get('done_ms'))}" for h in c["search"])
        print(f"  run {i}: custody first frame {fmt(c['first_frame'])}, rows {fmt(c['first_rows'])},"
              f" filters (T3, reason)×3 {[round(f['ms'], 1) for f in c['filters']]} ms"
              f" (rows {[f['rows'] for f in c['filters']]}, applied {c['applied']}),"
              f" clears {[round(f['ms'], 1) for f in c['clears']]} ms,"
              f" peak {fmt(c['mem'].get('VmHWM'), 'MB')}"
              f" (after first page {fmt(c['mem_after_first_page'].get('VmHWM'), 'MB')}),"
              f" tail n={len(c['lags'])} p50 {fmt(pct(c['lags'], 50))} p99 {fmt(pct(c['lags'], 99))}"
              f" max {fmt(max(c['lags'], default=None))}")
        print(f"         search: {search}")
        print(f"         ledger check while acting: {c['ledger_at']}")
        print(f"         lnav: first screen {fmt(l['screen_rows_ms'])}, filter {fmt(l['filter_ms'])},"
              f" search first hits {fmt(l['search_first_ms'])}, settled {fmt(l['search_settled_ms'])}"
              f" ({l['search_hits']} hits), peak {fmt(l['mem'].get('VmHWM'), 'MB')}"
              + (f"; search not seen, screen ended {l['diag']}" if l.get("diag") else ""))

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "custody":
        print(json.dumps(custody(*sys.argv[2:])))
    elif what == "lnav":
        print(json.dumps(lnav(*sys.argv[2:])))
    elif what == "report":
        report(sys.argv[2])
PY

export LIVE_EVENTS LIVE_RATE
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "store: $DB ($(du -h "$DB" | cut -f1)), JSONL: $(du -h "$JSONL" | cut -f1)" >&2
for run in $(seq 1 "$RUNS"); do
    echo "run $run/$RUNS: custody…" >&2
    live_until="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
    c="$(python3 "$WORK/drive.py" custody "$SOCKET" "$CUSTODY" "$DB" "$WORK/timings.$run" "$live_until")"
    echo "run $run/$RUNS: lnav…" >&2
    rm -rf "$WORK/lnav-home"
    mkdir -p "$WORK/lnav-home"
    l="$(python3 "$WORK/drive.py" lnav "$SOCKET" "$JSONL" "$WORK/lnav-home")"
    echo "{\"custody\": $c, \"lnav\": $l}" >>"$WORK/results.jsonl"
done

echo
echo "console benchmark: $EVENTS-event SQLite store, ${RUNS} runs, $(nproc) cores, tmux 160x48"
echo "load average (1/5/15 min) before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "custody $("$CUSTODY" --version | awk '{print $2}'), lnav $(lnav -V | awk '{print $2}') on the same records as JSONL (plain text view)"
echo
python3 "$WORK/drive.py" report "$WORK/results.jsonl"
echo
echo "custody: own timing marks (ms from process start / from the key's arrival to the"
echo "frame written). lnav and 'polled' rows: tmux capture-pane every ~10 ms, so ~10 ms"
echo "granularity. lnav filters and searches the raw lines (regex); custody filters in the"
echo "store on indexed columns and fuzzy-searches the search_text table newest first."
