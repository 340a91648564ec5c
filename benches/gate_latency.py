"""The gate's latency figures that need a waiting agent (benches/gate.sh runs this).

  approval → answer: an agent long-polls a T2 request; an operator approves it over HTTP;
      measured from the approval's response to the agent's answer.
  pause → 423: an agent proposes in a loop; `custody pause` returns (the pause is sealed);
      measured from then to the first 423. The agent is resumed between rounds.

Standard library only. Usage: gate_latency.py BASE AGENT_TOKEN OPERATOR_TOKEN CUSTODY ROUNDS
"""
import json
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BASE, AGENT, OPERATOR, CUSTODY, ROUNDS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


T2 = {"tier": "T2", "reason_code": "config_drift",
      "action": {"type": "config.apply", "resource": "svc/api", "environment": "production",
                 "params": {"flag": "x"}}}
T1 = {"tier": "T1", "action": {"type": "k8s.scale", "resource": "deploy/web", "params": {"replicas": 2}}}

# approval → the waiting agent's answer
lat = []
for _ in range(ROUNDS):
    status, ask = call("POST", "/v1/actions", AGENT, T2)
    assert status == 202, (status, ask)
    got = {}

    def wait():
        s, a = call("GET", "/v1/actions/%s?wait=60s" % ask["id"], AGENT)
        got["t"] = time.perf_counter()
        got["answer"] = a

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.05)
    status, voted = call("POST", "/v1/approvals/%s/approve" % ask["id"], OPERATOR,
                         {"justification": "benchmark"})
    approved_at = time.perf_counter()
    assert status == 200, (status, voted)
    t.join()
    assert got["answer"]["decision"] == "allow", got
    lat.append((got["t"] - approved_at) * 1000)
print("approval_to_answer_ms p50=%.1f p99=%.1f max=%.1f n=%d" % (pct(lat, 50), pct(lat, 99), max(lat), len(lat)))

# pause sealed → the next proposal gets 423
lat = []
for _ in range(max(5, ROUNDS // 10)):
    args = ["--operator", "bench-admin"]
    subprocess.run([*shlex.split(CUSTODY), *args, "pause", "bench-agent", "--reason", "containment",
                    "--justification", "benchmark", "--yes"], check=True, capture_output=True)
    sealed_at = time.perf_counter()
    while True:
        status, _ = call("POST", "/v1/actions", AGENT, T1)
        if status == 423:
            lat.append((time.perf_counter() - sealed_at) * 1000)
            break
        if time.perf_counter() - sealed_at > 5:
            raise SystemExit("no 423 within 5 s of the pause")
    subprocess.run([*shlex.split(CUSTODY), *args, "resume", "bench-agent", "--reason", "containment",
                    "--justification", "benchmark", "--yes"], check=True, capture_output=True)
    while call("POST", "/v1/actions", AGENT, T1)[0] == 423:
        time.sleep(0.01)
print("pause_to_423_ms p50=%.1f p99=%.1f max=%.1f n=%d" % (pct(lat, 50), pct(lat, 99), max(lat), len(lat)))
