#!/usr/bin/env python3
"""Field-level evidence vectors for Protocols/clk.md §6, computed with hashlib, `cryptography`,
unicodedata and the phonetic code of ../blocking/make_vectors.py (written from blocking.md §3),
independently of the Swift code."""
import hashlib, json, os, sys, unicodedata
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blocking"))
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes

def hkdf(ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"korskoll/v1", info=info).derive(ikm)

def phonetic(name):
    # The same code as blocking.md §3; imported without running that script's writer.
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blocking", "make_vectors.py")).read()
    ns = {}
    exec(src.split("def key(")[0], ns)
    return ns["phonetic"](name)

def fold(s):
    # §6.1: NFKD, lower case, marks dropped, runs of non-[a-z0-9] to one space, trimmed
    out, gap = [], False
    for ch in unicodedata.normalize("NFKD", s.lower()):
        if unicodedata.category(ch) == "Mn": continue
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            if gap and out: out.append(" ")
            gap = False
            out.append(ch)
        else:
            gap = True
    return "".join(out)

def postcode5(s):
    d = "".join(c for c in s if "0" <= c <= "9")
    return d if len(d) == 5 else ""

def value(kb, kind, dob, text):
    v = int.from_bytes(hashlib.blake2b(kind.encode() + b"\x00" + dob.encode() + b"\x1f" + text.encode(), key=kb, digest_size=4).digest(), "little")
    return 1 if v == 0 else v

def address(kb, street, postcode, town, dob):
    dob = dob.strip()
    if not dob: return [0, 0, 0]
    s, p, t = fold(street), postcode5(postcode), fold(town)
    return [value(kb, "address", dob, s + "|" + p) if s and p else 0,
            value(kb, "postcode", dob, p) if p else 0,
            value(kb, "town", dob, t) if t else 0]

def given_names(kb, given, dob):
    dob = dob.strip()
    out, seen = [], set()
    if dob:
        for part in given.replace("-", " ").split():
            code = phonetic(part)
            if not code or code in seen: continue
            seen.add(code)
            out.append(value(kb, "given-name", dob, code))
            if len(out) == 4: break
    out.sort()
    return out + [0] * (4 - len(out))

rows = [("Storgatan 12", "412 57", "Göteborg", "Karl Erik Johan", "1980-05-12"),
        ("STORGATAN  12", "41257", "GÖTEBORG", "Erik", "1980-05-12"),
        ("Sankt Eriksgatan 3 B", "SE-113 43", "Stockholm", "Anna-Karin Maria Eva Lena Sara", "1955-01-01"),
        ("Åvägen 7", "9012", "Umeå", "Carl Karl", "1931-12-31"),
        ("", "752 36", "", "", "2001-02-28"),
        ("Storgatan 12", "412 57", "Göteborg", "Karl Erik Johan", ""),
        ("Ringvägen 1", "", "Malmö", "Mohamed Ali", " 1990-10-10 ")]
fold_cases = ["Storgatan 12 B", "Sankt Eriksgatan  3", "Östra Hamngatan 5-7", "  Ängelholm ", "Ringv. 1", ""]
cases = []
for secret, agreement in [(bytes(range(32)), "watchlist-2026-01"), (b"\xff" * 32, "cross-agency-map-2026")]:
    kb = hkdf(secret, b"korskoll/v1/blocking\x00" + agreement.encode())
    cases.append({"linkageSecret": secret.hex(), "agreement": agreement,
                  "rows": [{"street": s, "postcode": p, "town": t, "givenNames": g, "dob": d,
                            "address": address(kb, s, p, t, d), "given": given_names(kb, g, d)} for s, p, t, g, d in rows]})
json.dump({"description": "Protocols/clk.md §6 field-level evidence vectors (make_vectors.py)",
           "fold": {f: fold(f) for f in fold_cases}, "postcode": {p: postcode5(p) for p in ["412 57", "SE-113 43", "9012", "123456", ""]},
           "cases": cases}, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "evidence-values.json"), "w"), indent=1, ensure_ascii=False)
print(len(rows), "rows,", len(cases), "cases")
