#!/usr/bin/env python3
"""Blinding vectors for Protocols/derivations.md, computed with hashlib and `cryptography`,
independently of the Swift code."""
import hashlib, json
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes

def hkdf(ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"korskoll/v1", info=info).derive(ikm)

cases = []
for secret, agreement in [(bytes(range(32)), "watchlist-2026-01"), (b"\xff" * 32, "cross-agency-map-2026"), (bytes(range(32)), "watchlist-2026-02")]:
    clk = hkdf(secret, b"korskoll/v1/clk\x00" + agreement.encode())
    for kind, ids in [("person", ["198112289841", "197010632391", "190905271474"]), ("organisation", ["165560160680", "162120000142"])]:
        key = hkdf(secret, b"korskoll/v1/blind-id\x00" + agreement.encode() + b"\x00" + kind.encode())
        cases.append({"linkageSecret": secret.hex(), "agreement": agreement, "namespace": kind, "key": key.hex(),
                      "clkSecret": clk.hex(),
                      "blinded": {i: hashlib.blake2b(i.encode(), key=key, digest_size=32).hexdigest() for i in ids}})
json.dump({"description": "Protocols/derivations.md §1-§3 vectors (make_vectors.py)", "cases": cases}, open("vectors.json", "w"), indent=1)
print(len(cases), "cases")
