#!/usr/bin/env python3
"""Writes clkhash-vectors.json: encodings made by clkhash 0.18.3 itself, for the Swift encoder to
reproduce bit for bit.

Run in a virtual environment:  python3 -m venv v && v/bin/pip install clkhash==0.18.3 &&
v/bin/python make_vectors.py
"""
import base64, copy, json, random
import clkhash
from clkhash import clk, schema as sch
from clkhash.serialization import serialize_bitarray
from clkhash.comparators import get_comparator

assert clkhash.__version__ == "0.18.3", clkhash.__version__

def b64(s): return base64.b64encode(s).decode()

def feature(ident, fmt, comparison, strategy, missing=None):
    hashing = {"comparison": comparison, "strategy": strategy}
    if missing is not None: hashing["missingValue"] = missing
    return {"identifier": ident, "format": fmt, "hashing": hashing}

NAMES = ["Zoë", "Åsa", "Öberg", "Müller-Lüdenscheidt", "Anna-Karin", "Li", "李小龍", "Jon", "A", "",
         "Mohammed Al-Hassan", "O'Brien", "Ng", "Éléonore", "Þórdís", "Karl  Johan", "🙂x", "Ölvir"]
DATES = ["1970-01-31", "2001-12-09", "1999-02-28", "2000-02-29", "1920-7-4", "1985-10-1"]

def schemas():
    base_cfg = lambda l, **kw: {"l": l, "kdf": {"type": "HKDF", "hash": kw.get("hash", "SHA256"),
        **({"salt": kw["salt"]} if "salt" in kw else {}), **({"info": kw["info"]} if "info" in kw else {}),
        "keySize": kw.get("keySize", 64)}, **kw.get("extra", {})}
    docs_salt = "SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rfNUPCtLDMOGQHG4pCQpfhiHCyA=="
    full = [
        {"identifier": "id", "ignored": True},
        feature("given", {"type": "string", "encoding": "utf-8"}, {"type": "ngram", "n": 2}, {"bitsPerToken": 20}),
        feature("surname", {"type": "string", "encoding": "utf-8"}, {"type": "ngram", "n": 2, "positional": False}, {"bitsPerFeature": 100}),
        feature("dob", {"type": "date", "format": "%Y-%m-%d"}, {"type": "ngram", "n": 1, "positional": True}, {"bitsPerFeature": 80}),
        feature("sex", {"type": "enum", "values": ["M", "F", "X"]}, {"type": "exact"}, {"bitsPerToken": 40}),
        feature("age", {"type": "integer"}, {"type": "numeric", "thresholdDistance": 3, "resolution": 2}, {"bitsPerToken": 10},
                {"sentinel": ""}),
    ]
    yield "six fields, SHA256, docs salt, l=1024", {"version": 3, "clkConfig": base_cfg(1024, salt=docs_salt, info="c2NoZW1hX2V4YW1wbGU="), "features": full}, "full"
    yield "six fields, xor_folds 1, l=512", {"version": 3, "clkConfig": base_cfg(512, salt=docs_salt, info="c2NoZW1hX2V4YW1wbGU=", extra={"xor_folds": 1}), "features": full}, "full"
    yield "six fields, documented xorFolds is ignored", {"version": 3, "clkConfig": base_cfg(1024, salt=docs_salt, info="c2NoZW1hX2V4YW1wbGU=", extra={"xorFolds": 1}), "features": full}, "full"
    yield "six fields, SHA512, no salt, keySize 32, xor_folds 2, l=256", {"version": 3, "clkConfig": base_cfg(256, hash="SHA512", keySize=32, extra={"xor_folds": 2}), "features": full}, "full"
    many = [
        feature("name3", {"type": "string"}, {"type": "ngram", "n": 3}, {"bitsPerToken": 33}),
        feature("name1p", {"type": "string", "maxLength": 40}, {"type": "ngram", "n": 1, "positional": True}, {"bitsPerToken": 64}),
        feature("name2p", {"type": "string"}, {"type": "ngram", "n": 2, "positional": True}, {"bitsPerFeature": 300}),
        feature("exactbig", {"type": "string"}, {"type": "exact"}, {"bitsPerToken": 100}, {"sentinel": "N/A", "replaceWith": ""}),
        {"identifier": "skip", "ignored": True},
        feature("u16", {"type": "string", "encoding": "utf-16"}, {"type": "ngram", "n": 2}, {"bitsPerToken": 7}),
        feature("u32", {"type": "string", "encoding": "utf-32"}, {"type": "ngram", "n": 2}, {"bitsPerToken": 5}),
        feature("asc", {"type": "string", "encoding": "ascii", "case": "upper"}, {"type": "ngram", "n": 2}, {"bitsPerToken": 15}, {"sentinel": "?", "replaceWith": "UNKNOWN"}),
        feature("dmy", {"type": "date", "format": "%d/%m/%Y"}, {"type": "ngram", "n": 2, "positional": True}, {"bitsPerToken": 3}),
        feature("num", {"type": "string", "pattern": "-?[0-9]+(\\.[0-9]+)?"}, {"type": "numeric", "thresholdDistance": 2.5, "resolution": 3, "fractional_precision": 1}, {"bitsPerToken": 9}),
        feature("int", {"type": "integer", "minimum": -1000, "maximum": 1000}, {"type": "numeric", "thresholdDistance": 7, "resolution": 1}, {"bitsPerFeature": 40}, {"sentinel": "", "replaceWith": "0"}),
    ]
    yield "eleven fields, every comparison, SHA256, info, l=2048", {"version": 3, "clkConfig": base_cfg(2048, info=b64(b"korskoll vectors")), "features": many}, "many"
    yield "eleven fields, SHA512, salt, keySize 16, xor_folds 3, l=128", {"version": 3, "clkConfig": base_cfg(128, hash="SHA512", salt=b64(b"s"), keySize=16, extra={"xor_folds": 3}), "features": many}, "many"
    yield "eleven fields, l=65536 (indices cannot exceed 65535)", {"version": 3, "clkConfig": base_cfg(65536), "features": many}, "many"

def records(kind, rng, n=24):
    out = []
    for i in range(n):
        if kind == "full":
            out.append([str(i), rng.choice(NAMES), rng.choice(NAMES), rng.choice(DATES), rng.choice("MFX"),
                        rng.choice(["53", "+22", " 7", "-4", "", "0", "120"])])
        else:
            out.append([rng.choice(NAMES), rng.choice(NAMES)[:40], rng.choice(NAMES), rng.choice(NAMES + ["N/A"]), "x",
                        rng.choice(NAMES), rng.choice(NAMES), rng.choice(["ABC", "?", "ÅSA".encode("ascii", "replace").decode(), "NG", ""]).replace("?", "?"),
                        rng.choice(["31/01/1970", "9/12/2001", "29/02/2000"]),
                        rng.choice(["1.25", "-3.75", "10", "0.05", "42.35"]), rng.choice(["", "17", "-999", "+5", " 12 "])])
    return out

rng = random.Random(20261123)
cases = []
for description, schema_dict, kind in schemas():
    s = sch.from_json_dict(copy.deepcopy(schema_dict))
    for secret in ["correct horse", "korskoll linkage secret åäö"]:
        recs = records(kind, rng, 4 if schema_dict["clkConfig"]["l"] > 4096 else 24)
        clks = clk.generate_clks(recs, s, secret)
        cases.append({"description": description, "schema": schema_dict, "secret": secret,
                      "records": recs, "clks": [serialize_bitarray(c) for c in clks]})

# Intermediate values from the shared notes, recomputed here.
tokens = {
    "ngram2 Zoë": list(get_comparator({"type": "ngram", "n": 2}).tokenize("Zoë")),
    "ngram1 positional 19700131": list(get_comparator({"type": "ngram", "n": 1, "positional": True}).tokenize("19700131")),
    "ngram2 positional ab": list(get_comparator({"type": "ngram", "n": 2, "positional": True}).tokenize("ab")),
    "numeric 53 t=3 r=2": list(get_comparator({"type": "numeric", "thresholdDistance": 3, "resolution": 2}).tokenize("53")),
    "numeric -3.75 t=2.5 r=3 p=1": list(get_comparator({"type": "numeric", "thresholdDistance": 2.5, "resolution": 3, "fractional_precision": 1}).tokenize("-3.75")),
}
assert cases[0]["records"] is not None
json.dump({"description": "clkhash 0.18.3 encodings (made by make_vectors.py in this folder)", "cases": cases, "tokens": tokens},
          open("clkhash-vectors.json", "w"), ensure_ascii=False, indent=1)
print(len(cases), "cases,", sum(len(c["clks"]) for c in cases), "encodings")
