#!/usr/bin/env python3
"""Blocking vectors for Protocols/blocking.md, computed with hashlib, `cryptography` and a
phonetic code written here from the spec, independently of the Swift code."""
import hashlib, json, unicodedata
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes

def hkdf(ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"korskoll/v1", info=info).derive(ikm)

SPELLED = {"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "ł": "l", "þ": "t"}

def phonetic(name):
    # §3.1 fold and take the first part
    letters, started = [], False
    for ch in unicodedata.normalize("NFKD", name.lower()):
        if unicodedata.category(ch) == "Mn":
            continue
        if ch in " -" or ch.isspace():
            if started: break
            continue
        if "a" <= ch <= "z": spelled = ch
        elif ch in SPELLED: spelled = SPELLED[ch]
        else: continue
        started = True
        letters.extend(spelled)
    # §3.2 spelling variants
    s, i = [], 0
    while i < len(letters):
        c = letters[i]; n = letters[i + 1] if i + 1 < len(letters) else None
        if (c, n) == ("p", "h"): s.append("f"); i += 2; continue
        if (c, n) == ("t", "h"): s.append("t"); i += 2; continue
        if (c, n) == ("c", "k"): s.append("k"); i += 2; continue
        if (c, n) == ("q", "u"): s.extend("kv"); i += 2; continue
        if c == "c": s.append("s" if n is not None and n in "eiy" else "k")
        elif c == "q": s.append("k")
        elif c == "w": s.append("v")
        elif c == "z": s.append("s")
        elif c == "x": s.extend("ks")
        else: s.append(c)
        i += 1
    # §3.3 first letter, consonants other than h, runs collapsed, at most six
    if not s: return ""
    code = [s[0]]
    for c in s[1:]:
        if c in "aeiouyh" or c == code[-1]: continue
        code.append(c)
        if len(code) == 6: break
    return "".join(code)

def key(kb, kind, value):
    if value is None: return 0
    v = int.from_bytes(hashlib.blake2b(kind.encode() + b"\x00" + value.encode(), key=kb, digest_size=8).digest(), "little")
    return 1 if v == 0 else v

def given_codes(field):
    codes = []
    for part in field.split():
        c = phonetic(part)
        if c and c not in codes:
            codes.append(c)
        if len(codes) == 4: break
    return codes

def keys(kb, given, surname, dob):
    gs, f, d = given_codes(given), phonetic(surname), dob.strip()
    def names(i):
        return key(kb, "names", "|".join(sorted([gs[i], f])) if i < len(gs) and f else None)
    return ([key(kb, "dob", d or None), names(0),
             key(kb, "surname-initial", f + "|" + gs[0][0] if gs and f else None)]
            + [names(i) for i in range(1, 4)])

names = ["Mohammed", "Mohamed", "Muhammad", "Karl", "Carl", "Eriksson", "Ericsson", "Andersson", "Anderson",
         "Åsa", "Asa", "Östberg", "Lind Andersson", "Lind-Andersson", "Philip", "Filip", "Thomas", "Tomas",
         "Zoë", "Søren", "Łukasz", "Quist", "Kvist", "Wikström", "Vikström", "Jönsson", "Jonsson",
         "Ćosić", "O'Brien", "  Anna-Karin ", "Xavier", "Niklas", "Nicklas", "Yasmin", "", "---", "Åke"]
rows = [("Anna", "Andersson", "1980-05-12"), ("Andersson", "Anna", "1980-05-12"), ("Mohamed", "Ali", ""),
        ("", "Berg", "1955-01-01"), ("Carl", "Ericsson", "1931-12-31"),
        ("Anna Maria Karin", "Andersson", "1980-05-12"), ("Maria", "Andersson", "1980-05-12"),
        ("Karl  Carl\tJohan-Erik Sven Olof", "Lind Andersson", "1962-07-01"), ("--- Åsa", "Öberg", " 1999-02-28 "),
        ("Anna Maria", "", "1980-05-12")]
cases = []
for secret, agreement in [(bytes(range(32)), "watchlist-2026-01"), (b"\xff" * 32, "cross-agency-map-2026")]:
    kb = hkdf(secret, b"korskoll/v1/blocking\x00" + agreement.encode())
    cases.append({"linkageSecret": secret.hex(), "agreement": agreement, "blockingKey": kb.hex(),
                  "rows": [{"givenName": g, "surname": s, "dob": d, "keys": [str(k) for k in keys(kb, g, s, d)]} for g, s, d in rows]})
json.dump({"description": "Protocols/blocking.md vectors (make_vectors.py)",
           "phonetic": {n: phonetic(n) for n in names}, "cases": cases}, open("vectors.json", "w"), indent=1, ensure_ascii=False)
print(len(names), "names,", len(cases), "cases")
