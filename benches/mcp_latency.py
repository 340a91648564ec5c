"""The MCP proxy benchmark's driver: speaks newline-delimited JSON-RPC (stdio) to the
same MCP server started twice, once directly and once behind `custody mcp-proxy`, and
times N allowed `tools/call`s on each, interleaved call by call so both see the same
machine. Prints p50/p99 of each and the added latency (proxied minus direct).

With GATE and CUSTODY_TOKEN in the environment it also times the gate's decision alone
(POST /v1/actions for the same allowed T0 tool, on one kept-alive connection), the part
of the added latency that is the sealed proposal rather than the proxy.

Usage: mcp_latency.py N -- DIRECT-COMMAND... -- PROXIED-COMMAND..."""

import http.client
import json
import os
import subprocess
import urllib.parse
import sys
import time


def start(command):
    p = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    rpc(p, 0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "bench", "version": "0"}})
    p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    p.stdin.flush()
    rpc(p, -1, "tools/list", {})
    return p


def rpc(p, i, method, params):
    line = json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
    p.stdin.write(line.encode() + b"\n")
    p.stdin.flush()
    while True:
        answer = json.loads(p.stdout.readline())
        if answer.get("id") == i:
            return answer


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    n = int(sys.argv[1])
    rest = sys.argv[3:]
    cut = rest.index("--")
    direct, proxied = start(rest[:cut]), start(rest[cut + 1 :])
    gate = os.environ.get("GATE")
    conn = None
    if gate:
        url = urllib.parse.urlparse(gate)
        conn = http.client.HTTPConnection(url.hostname, url.port)
        auth = {"Authorization": "Bearer " + os.environ["CUSTODY_TOKEN"],
                "Content-Type": "application/json"}
    times = {"direct": [], "proxied": [], "gate": []}
    for i in range(1, n + 1):
        for name, p in (("direct", direct), ("proxied", proxied)):
            t = time.perf_counter()
            answer = rpc(p, i, "tools/call", {"name": "echo", "arguments": {"text": f"call {i}"}})
            times[name].append((time.perf_counter() - t) * 1000)
            if answer.get("result", {}).get("isError") or "error" in answer:
                sys.exit(f"call {i} failed {name}: {answer}")
        if conn:
            body = json.dumps({"tier": "T0", "action": {"type": "echo", "params": {"text": f"call {i}"}}})
            t = time.perf_counter()
            conn.request("POST", "/v1/actions", body, auth)
            res = conn.getresponse()
            res.read()
            times["gate"].append((time.perf_counter() - t) * 1000)
            if res.status != 200:
                sys.exit(f"gate answered {res.status}")
    warm = n // 10
    d, p, g = times["direct"][warm:], times["proxied"][warm:], times["gate"][warm:]
    for name, xs in (("direct", d), ("proxied", p), ("gate", g)):
        if xs:
            print(f"{name:8} {len(xs)} calls: p50 {pct(xs, .5):.2f} ms, p99 {pct(xs, .99):.2f} ms")
    added50, added99 = pct(p, .5) - pct(d, .5), pct(p, .99) - pct(d, .99)
    print(f"added    p50 {added50:.2f} ms, p99 {added99:.2f} ms (bar: p99 <= 2 ms)")
    if g:
        print(f"of which the gate's sealed decision alone: p50 {pct(g, .5):.2f} ms, p99 {pct(g, .99):.2f} ms")
    for x in (direct, proxied):
        x.stdin.close()
        x.wait(timeout=10)


main()
