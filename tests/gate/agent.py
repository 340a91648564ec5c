"""A minimal agent that uses custody's gate with nothing but the Python standard library.

It proposes a T1 action (allowed at once) and reports its outcome, then proposes a T3
action, prints ASKED <id>, long-polls until humans decide, and reports that outcome too.
Usage: agent.py BASE_URL TOKEN
"""
import json
import sys
import urllib.error
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=90) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def say(*words):
    print(*words, flush=True)


# 1. A T1 action: allowed by policy, executed, reported.
t1 = {
    "tier": "T1",
    "reason_code": "capacity_surge",
    "action": {"type": "k8s.scale", "target_system": "kubernetes", "resource": "deploy/web",
               "environment": "staging", "params": {"replicas": 4}, "reversibility": "full"},
    "ai_output": {"summary": "scale web to 4 for the surge", "confidence": 0.9},
    "model": {"provider": "example", "name": "agent-model", "version": "2026-11"},
    "trigger": {"type": "autonomous"},
}
status, answer = call("POST", "/v1/actions", t1)
assert status == 200 and answer["decision"] == "allow", (status, answer)
say("ALLOWED", answer["id"])
status, done = call("POST", "/v1/actions/%s/outcome" % answer["id"],
                    {"grant": answer["grant"], "status": "success", "params": {"replicas": 4},
                     "result_excerpt": "deployment.apps/web scaled", "after": {"replicas": 4}})
assert status == 200, (status, done)
say("REPORTED", done["id"])

# 2. A T3 action: the policy asks two humans.
t3 = {
    "tier": "T3",
    "reason_code": "scheduled_maintenance",
    "action": {"type": "db.migrate", "target_system": "postgres", "resource": "db/orders",
               "environment": "production", "params": {"migration": "0042_drop_legacy"},
               "reversibility": "none"},
    "ai_output": {"summary": "drop the legacy orders columns", "confidence": 0.7},
    "on_behalf_of": "lee",
    "trigger": {"type": "scheduled"},
}
status, answer = call("POST", "/v1/actions", t3)
assert status == 202 and answer["decision"] == "ask", (status, answer)
say("ASKED", answer["id"], answer["needs"])

# 3. Long-poll until decided.
while True:
    status, answer = call("GET", "/v1/actions/%s?wait=30s" % answer["id"])
    if answer["decision"] != "ask":
        break
assert status == 200 and answer["decision"] == "allow", (status, answer)
say("DECIDED", answer["id"], answer["decision"])

# 4. Execute and report.
status, done = call("POST", "/v1/actions/%s/outcome" % answer["id"],
                    {"grant": answer["grant"], "status": "success",
                     "params": {"migration": "0042_drop_legacy"},
                     "result_excerpt": "migration applied"})
assert status == 200, (status, done)
say("REPORTED", done["id"])
