#!/usr/bin/env python3
"""Independent checker of a custody evidence bundle. Python standard library plus
`cryptography` (for Ed25519 only).

    python3 check_bundle.py BUNDLE_DIR VERIFIER_KEY

VERIFIER_KEY is the log's key in the signed-note form name+keyid+base64, pinned out of
band (or a file holding it). Written from the specifications, not from custody's code:
C2SP signed-note and tlog-checkpoint, C2SP tlog-proof@v1, RFC 9162 section 2.1 (leaf
hash, inclusion proof verification). Prints one line per entry and per problem.
Exit status 0 when every check passes, 1 when something is wrong, 2 when it could not check.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

problems = []  # (seq or None, text)


def problem(seq, text):
    problems.append((seq, text))


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(b):
    return sha256(b"\x00" + b)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def parse_vkey(text):
    name, keyid, key = text.strip().split("+", 2)
    raw = base64.b64decode(key, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    want = sha256(name.encode() + b"\n" + raw)[:4]
    if bytes.fromhex(keyid) != want:
        raise ValueError("key id does not match the key")
    return name, want, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_note(text, vkey):
    """C2SP signed-note: text, blank line, signature lines. Returns (body, verdict)."""
    name, keyid, pub = vkey
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        return None, "malformed note"
    body, sigs = text[: split + 1], text[split + 2 :]
    verdict = "unknown-key"
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            return None, "malformed signature line"
        signer, _, b64 = line[2:].partition(" ")
        sig = base64.b64decode(b64, validate=True)
        if signer == name and sig[:4] == keyid:
            try:
                pub.verify(sig[4:], body.encode())
                return body, "ok"
            except InvalidSignature:
                verdict = "bad-signature"
    return body, verdict


def parse_checkpoint(body):
    lines = body[:-1].split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)


def parse_proof(text):
    """C2SP tlog-proof@v1: header, optional extra, index, hashes, blank, checkpoint."""
    lines = text.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise ValueError("bad header")
    i = 1
    if lines[i].startswith("extra "):
        i += 1
    if not lines[i].startswith("index "):
        raise ValueError("no index line")
    index = int(lines[i][6:])
    i += 1
    path = []
    while lines[i] != "":
        h = base64.b64decode(lines[i], validate=True)
        if len(h) != 32:
            raise ValueError("a proof hash is not 32 bytes")
        path.append(h)
        i += 1
    return index, path, "\n".join(lines[i + 1 :])


def read_bundle(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                files[os.path.relpath(p, root).replace(os.sep, "/")] = f.read()
    return files


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    key_arg = sys.argv[2]
    if os.path.isfile(key_arg):
        with open(key_arg) as f:
            key_arg = f.read()
    vkey = parse_vkey(key_arg)
    files = read_bundle(sys.argv[1])
    if "manifest.json" not in files:
        print("could not check: no manifest.json")
        return 2
    m = json.loads(files["manifest.json"])
    owner = {}
    for e in m["entries"]:
        for f in (e.get("event"), e["proof"]):
            if f:
                owner[f] = e["seq"]
    for path, want in m["files"].items():
        if path not in files:
            problem(owner.get(path), f"{path}: missing")
        elif hashlib.sha256(files[path]).hexdigest() != want:
            problem(owner.get(path), f"{path}: SHA-256 does not match the manifest")
    for path in files:
        if path != "manifest.json" and path not in m["files"]:
            problem(owner.get(path), f"{path}: not listed in the manifest")

    cp_file = m["checkpoint"]["file"]
    note = files.get(cp_file, b"").decode("utf-8", "replace")
    body, verdict = open_note(note, vkey) if note else (None, "missing")
    cp = None
    if verdict != "ok":
        problem(None, f"{cp_file}: checkpoint signature {verdict}")
    else:
        origin, size, root = parse_checkpoint(body)
        if origin != m["origin"]:
            problem(None, f"{cp_file}: checkpoint of another log ({origin})")
        else:
            cp = (size, root)

    by_seq = {e["seq"]: e for e in m["entries"]}
    for e in m["entries"]:
        seq, before = e["seq"], len(problems)
        leaf = bytes.fromhex(e["leaf_hash"])
        if e.get("event") and e["event"] in files:
            data = files[e["event"]]
            if leaf_hash(data) != leaf:
                problem(seq, "leaf hash of the event bytes is not the entry's")
            rec = json.loads(data)
            if rec.get("seq") != seq or rec.get("origin") != m["origin"]:
                problem(seq, "the record's seq or origin is not the entry's")
            prev = by_seq.get(seq - 1)
            if prev and rec.get("prev_hash") != prev["leaf_hash"]:
                problem(seq, "prev_hash does not link to the previous entry")
        elif e["status"] != "out_of_scope":
            problem(seq, "in-scope entry without its event file")
        if e["proof"] in files:
            try:
                index, path, embedded = parse_proof(files[e["proof"]].decode())
            except (ValueError, IndexError, UnicodeDecodeError) as err:
                problem(seq, f"proof unreadable: {err}")
            else:
                if index != seq - 1:
                    problem(seq, f"proof is for index {index}")
                elif cp and embedded != note:
                    problem(seq, "proof embeds another checkpoint")
                elif cp and not verify_inclusion(leaf, index, cp[0], path, cp[1]):
                    problem(seq, "inclusion proof does not reach the checkpoint root")
        ok = len(problems) == before and cp is not None
        print(f"seq {seq} {e['status']}: {'ok' if ok else 'FAILED'}")

    rng = m.get("seq_range")
    if m["scope"]["kind"] == "time_range" or (rng and rng["contiguous"]):
        for s in range(rng["first"], rng["last"] + 1):
            if s not in by_seq:
                problem(s, f"hole: seq {s} is missing from the range")

    for seq, text in problems:
        print(f"PROBLEM seq {seq}: {text}" if seq is not None else f"PROBLEM: {text}")
    print("intact" if not problems else f"TAMPERED: {len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
