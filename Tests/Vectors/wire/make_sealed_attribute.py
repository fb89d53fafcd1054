#!/usr/bin/env python3
"""Writes sealed-attribute.json: boxes of Protocols/wire.md §3.2 made with fixed keys.

crypto_box_seal is rebuilt here from its definition, independently of libsodium:
  box   = epk ‖ crypto_box_easy(padded, nonce, rpk, esk),  nonce = BLAKE2b-192(epk ‖ rpk)
  crypto_box_easy: k = HSalsa20(X25519(esk, rpk), 0^16); subkey = HSalsa20(k, nonce[:16]);
  stream = Salsa20(subkey, nonce[16:]); polykey = stream[:32]; c = m XOR stream[32:];
  output = Poly1305(polykey, c) ‖ c
X25519 and Poly1305 come from the `cryptography` package, BLAKE2b from hashlib. The ephemeral
secret is fixed (a real sealer draws it fresh), so the boxes are reproducible; opening them must
give the expected value or the expected error code.
"""
import hashlib, json, struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.poly1305 import Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, PrivateFormat, NoEncryption

def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))

def rounds(x):
    def qr(a, b, c, d):
        x[b] ^= rotl((x[a] + x[d]) & 0xffffffff, 7); x[c] ^= rotl((x[b] + x[a]) & 0xffffffff, 9)
        x[d] ^= rotl((x[c] + x[b]) & 0xffffffff, 13); x[a] ^= rotl((x[d] + x[c]) & 0xffffffff, 18)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11)
        qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14)

SIGMA = struct.unpack("<4I", b"expand 32-byte k")

def state(key, inp):
    k = struct.unpack("<8I", key); i = struct.unpack("<4I", inp)
    return [SIGMA[0], *k[:4], SIGMA[1], *i, SIGMA[2], *k[4:], SIGMA[3]]

def hsalsa20(key, inp16):
    x = state(key, inp16); rounds(x)
    return struct.pack("<8I", *(x[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)))

def salsa20_stream(key, nonce8, n):
    out = b""
    for block in range((n + 63) // 64):
        s = state(key, nonce8 + struct.pack("<Q", block)); x = list(s); rounds(x)
        out += struct.pack("<16I", *((x[i] + s[i]) & 0xffffffff for i in range(16)))
    return out[:n]

def box_seal(m, rpk, esk_bytes):
    esk = X25519PrivateKey.from_private_bytes(esk_bytes)
    epk = esk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    nonce = hashlib.blake2b(epk + rpk, digest_size=24).digest()
    k = hsalsa20(esk.exchange(X25519PublicKey.from_public_bytes(rpk)), bytes(16))
    stream = salsa20_stream(hsalsa20(k, nonce[:16]), nonce[16:], 32 + len(m))
    c = bytes(a ^ b for a, b in zip(m, stream[32:]))
    return epk + Poly1305.generate_tag(stream[:32], c) + c

def pad(v):
    b = v.encode(); assert len(b) <= 47
    return bytes([len(b)]) + b + bytes(47 - len(b))

rsk = bytes(range(1, 33))
rpk = X25519PrivateKey.from_private_bytes(rsk).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
esk = bytes(range(33, 65))
cases = []
for v in ["aktiv", "koppling", "", "alderspension+bostadstillagg", "åäö", "x" * 47]:
    box = box_seal(pad(v), rpk, esk)
    assert len(box) == 96
    cases.append({"description": f"value {v!r}", "box": box.hex(), "value": v})
broken = bytearray(pad("aktiv")); broken[47] = 1
cases.append({"description": "a non-zero byte after the value", "box": box_seal(bytes(broken), rpk, esk).hex(), "error": "wire.malformed"})
long = bytearray(pad("aktiv")); long[0] = 48
cases.append({"description": "a length byte over 47", "box": box_seal(bytes(long), rpk, esk).hex(), "error": "wire.malformed"})
cases.append({"description": "not UTF-8", "box": box_seal(bytes([2, 0xC3, 0x28]) + bytes(45), rpk, esk).hex(), "error": "wire.malformed"})
cases.append({"description": "a 5-byte plaintext (wrong box length)", "box": box_seal(b"aktiv", rpk, esk).hex(), "error": "wire.malformed"})
good = bytearray(box_seal(pad("aktiv"), rpk, esk)); good[40] ^= 1
cases.append({"description": "a flipped tag byte", "box": bytes(good).hex(), "error": "wire.seal-broken"})
good = bytearray(box_seal(pad("aktiv"), rpk, esk)); good[0] ^= 1
cases.append({"description": "a flipped ephemeral key byte", "box": bytes(good).hex(), "error": "wire.seal-broken"})
json.dump({"description": "Sealed attribute values (Protocols/wire.md §3.2), made by make_sealed_attribute.py in this folder; open each with recipientSecretKey.",
           "recipientSecretKey": rsk.hex(), "recipientPublicKey": rpk.hex(), "cases": cases},
          open("sealed-attribute.json", "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
