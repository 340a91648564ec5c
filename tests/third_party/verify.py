#!/usr/bin/env python3
"""Independent verifier for a custody ledger export. Python 3.11 standard library only.

    python3 verify.py EXPORT.jsonl CHECKPOINT.txt VERIFIER_KEY

VERIFIER_KEY is the output of `custody key` (name+keyid+base64 key), or a file holding it.

It shares no code with custody: RFC 8785 canonical JSON, the RFC 9162 Merkle tree,
the C2SP signed note and RFC 8032 Ed25519 verification are all written out below,
so a third party can read this one file and check the ledger without trusting us.
Exit status 0 when every check passes, 1 otherwise.
"""
import base64
import hashlib
import json
import math
import os
import sys

# ---- RFC 8785 JSON Canonicalization Scheme ------------------------------------


def es6_number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (ECMA-262 §6.1.6.1.20)."""
    if not math.isfinite(x):
        raise ValueError("NaN and Infinity are not JSON")
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + es6_number(-x)
    # repr() gives the shortest digits that round-trip, as ES6 requires; only the
    # layout differs, so take the digits and exponent and lay them out again.
    mantissa, _, exp = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    n = len(whole) + int(exp or 0)  # x = 0.(whole frac) × 10^n
    significant = digits.lstrip("0")
    n -= len(digits) - len(significant)
    digits = significant.rstrip("0")
    k = len(digits)  # x = 0.digits × 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{head}e{sign}{abs(e)}"


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def jcs_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def jcs(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es6_number(float(value))  # JCS numbers are IEEE-754 doubles
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    # Members sort by UTF-16 code units; UTF-16BE bytes compare the same way.
    keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"


def no_duplicates(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


# ---- RFC 9162 Merkle tree ----------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def merkle_root(leaves: list) -> bytes:
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)  # largest power of two < n
    return sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:]))


# ---- RFC 8032 §5.1.7 Ed25519 verification --------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def point_add(a, b):  # extended coordinates, RFC 8032 §5.1.4
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    A, B = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    C, Dd = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def scalar_mult(s: int, pt):
    acc = (0, 1, 1, 0)
    while s:
        if s & 1:
            acc = point_add(acc, pt)
        pt = point_add(pt, pt)
        s >>= 1
    return acc


def point_equal(a, b) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def point_decode(s: bytes):  # RFC 8032 §5.1.3
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (-u) % P:
        x = x * SQRT_M1 % P
    if v * x * x % P != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = point_decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_verify(public: bytes, msg: bytes, sig: bytes) -> bool:
    if len(sig) != 64:
        return False
    A, R = point_decode(public), point_decode(sig[:32])
    S = int.from_bytes(sig[32:], "little")
    if A is None or R is None or S >= L:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + public + msg).digest(), "little") % L
    left = scalar_mult(8 * S, BASE)  # the cofactored check [8][S]B = [8]R + [8][k]A
    right = point_add(scalar_mult(8, R), scalar_mult(8 * k, A))
    return point_equal(left, right)


# ---- the checks --------------------------------------------------------------


def fail(msg: str):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main(export_path: str, checkpoint_path: str, key_arg: str):
    leaves, origins, prev = [], [], "0" * 64
    with open(export_path, encoding="utf-8", newline="") as f:
        lines = [line for line in f.read().split("\n") if line.strip()]
    for n, line in enumerate(lines, start=1):
        try:
            record = json.loads(line, object_pairs_hook=no_duplicates, parse_constant=reject_constant)
            claimed = record.pop("hash")
            canonical = jcs(record).encode("utf-8")
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError, RecursionError) as e:
            fail(f"line {n}: not a sealed record ({e!r})")
        leaf = sha256(b"\x00" + canonical)
        if leaf.hex() != claimed:
            fail(f"line {n}: record does not match its hash (modified record)")
        seq = record.get("seq")
        if isinstance(seq, bool) or seq != n:
            fail(f"line {n}: seq is {seq!r}, expected {n} (gap, insert, delete or reorder)")
        if record.get("prev_hash") != prev:
            fail(f"line {n}: prev_hash does not name the record before it (broken chain)")
        leaves.append(leaf)
        origins.append(record.get("origin"))
        prev = claimed
    print(f"ok   {len(lines)} records: each matches its hash, seq runs 1..{len(lines)}, chain intact")

    with open(checkpoint_path, encoding="utf-8", newline="") as f:
        note = f.read()
    split = note.rfind("\n\n")
    if split < 0:
        fail("checkpoint is not a signed note")
    body, sig_lines = note[: split + 1], note[split + 2 :].splitlines()
    origin, size_text, root_b64 = (body.split("\n") + ["", "", ""])[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        fail(f"checkpoint tree size {size_text!r} is not a number")
    size = int(size_text)
    if size > len(leaves):
        fail(f"checkpoint covers {size} records but the export has {len(leaves)} (truncation)")
    if any(o != origin for o in origins[:size]):
        fail(f"a record's origin differs from the checkpoint's {origin!r}")
    if base64.b64encode(merkle_root(leaves[:size])).decode() != root_b64:
        fail(f"Merkle root of the first {size} records differs from the checkpoint (rewrite or fork)")
    print(f"ok   Merkle root of the first {size} records matches checkpoint for {origin}")

    try:  # the key may be given as a file or as the key text itself
        if os.path.isfile(key_arg):
            with open(key_arg, encoding="utf-8") as f:
                key_arg = f.read()
        name, key_id_hex, key_b64 = key_arg.strip().split("+", 2)
        key = base64.b64decode(key_b64, validate=True)
    except ValueError:
        fail("verifier key is not name+keyid+base64(key)")
    if len(key) != 33 or key[0] != 1:
        fail("verifier key is not an Ed25519 signed-note key")
    key_id = sha256(name.encode() + b"\n" + key)[:4]
    if key_id.hex() != key_id_hex.lower():
        fail("verifier key id does not match its key")
    for line in sig_lines:
        sig_name, _, sig_b64 = line.removeprefix("\u2014 ").partition(" ")
        if not line.startswith("\u2014 ") or sig_name != name:
            continue
        try:
            sig = base64.b64decode(sig_b64, validate=True)
        except ValueError:
            fail(f"checkpoint signature line by {name} is not base64")
        if sig[:4] != key_id:
            continue
        if not ed25519_verify(key[1:], body.encode("utf-8"), sig[4:]):
            fail(f"checkpoint signature by {name} does not verify")
        print(f"ok   checkpoint signed by {name}+{key_id.hex()}")
        break
    else:
        fail(f"checkpoint carries no signature by {name}+{key_id.hex()}")
    print(f"OK: {len(lines)} records, chain intact, root matches, signature valid")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
