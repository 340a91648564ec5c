"""Runs a command (an MCP server, or custody mcp-proxy in front of one) and records the
raw lines each way in LOG: `C> ` what the client sent, `S> ` what the client received,
byte for byte. Usage: tap.py LOG -- COMMAND ARGS..."""

import subprocess
import sys
import threading

log_path, sep, *command = sys.argv[1:]
assert sep == "--", "usage: tap.py LOG -- COMMAND ARGS..."
child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
log = open(log_path, "ab")
lock = threading.Lock()


def record(prefix, line):
    with lock:
        log.write(prefix + line)
        log.flush()


def upstream():
    for line in sys.stdin.buffer:
        record(b"C> ", line)
        child.stdin.write(line)
        child.stdin.flush()
    child.stdin.close()


threading.Thread(target=upstream, daemon=True).start()
for line in child.stdout:
    record(b"S> ", line)
    sys.stdout.buffer.write(line)
    sys.stdout.buffer.flush()
sys.exit(child.wait())
