# Independent computation of Protocols/keyholder.md §8 pseudonyms: Python hashlib + libsodium via ctypes.
import ctypes, ctypes.util, hashlib, json
so = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert so.sodium_init() >= 0
def xmd(msg, dst, n):
    ell = (n + 63) // 64
    dstp = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + n.to_bytes(2, "big") + b"\0" + dstp).digest()
    b = [hashlib.sha512(b0 + b"\1" + dstp).digest()]
    for i in range(2, ell + 1):
        b.append(hashlib.sha512(bytes(x ^ y for x, y in zip(b0, b[-1])) + bytes([i]) + dstp).digest())
    return b"".join(b)[:n]
ctx = b"OPRFV1-\x01-ristretto255-SHA512"
def h2g(x):
    out = ctypes.create_string_buffer(32)
    assert so.crypto_core_ristretto255_from_hash(out, xmd(x, b"HashToGroup-" + ctx, 64)) == 0
    return out.raw
def mul(k, p):
    out = ctypes.create_string_buffer(32)
    assert so.crypto_scalarmult_ristretto255(out, k, p) == 0
    return out.raw
def reduce(wide):
    out = ctypes.create_string_buffer(32)
    so.crypto_core_ristretto255_scalar_reduce(out, wide)
    return out.raw
lp = lambda b: len(b).to_bytes(2, "big") + b
def pseudonym(k, agreement, ns, canonical):
    inp = b"korskoll/v1/oprf-id\0" + agreement.encode() + b"\0" + ns.encode() + b"\0" + canonical.encode()
    return hashlib.sha512(lp(inp) + lp(mul(k, h2g(inp))) + b"Finalize").digest()[:32]
key = reduce(hashlib.sha512(b"korskoll keyholder vector key").digest())
cases = [("watchlist-2026", "person", "198001011234"), ("watchlist-2026", "organisation", "198001011234"),
         ("cross-agency-2026", "person", "198001011234"), ("watchlist-2026", "organisation", "165560000000"),
         ("watchlist-2026", "person", "")]
print(json.dumps({"description": "Protocols/keyholder.md §8: pseudonym = first 32 bytes of RFC 9497 Evaluate (ristretto255-SHA512, VOPRF mode) of 'korskoll/v1/oprf-id' 0 agreement 0 namespace 0 canonical, under the whole key. Computed by an independent Python implementation (hashlib + libsodium through ctypes).",
  "key": key.hex(), "vectors": [{"agreement": a, "namespace": n, "canonical": c, "pseudonym": pseudonym(key, a, n, c).hex()} for a, n, c in cases]}, indent=1))
