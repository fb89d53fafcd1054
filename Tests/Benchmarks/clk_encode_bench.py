#!/usr/bin/env python3
"""CLK encoding benchmark: korskoll (release build, whole process) against clkhash 0.18.3 (one
process, whole run) on the same FEBRL-like 10-field blakeHash schema and records; the outputs must
be identical. Prints one JSON line.

    python3 -m venv /tmp/clkvenv && /tmp/clkvenv/bin/pip install clkhash==0.18.3
    swift build -c release
    /tmp/clkvenv/bin/python Tests/Benchmarks/clk_encode_bench.py --records 50000
"""
import argparse, json, os, random, subprocess, tempfile, time
import clkhash
from clkhash import clk, schema as sch
from clkhash.serialization import serialize_bitarray

ap = argparse.ArgumentParser()
ap.add_argument("--records", type=int, default=50000)
ap.add_argument("--korskoll", default=".build/release/korskoll")
args = ap.parse_args()

def ngram(ident, k, n=2, positional=False, fmt=None):
    return {"identifier": ident, "format": fmt or {"type": "string", "encoding": "utf-8"},
            "hashing": {"comparison": {"type": "ngram", "n": n, "positional": positional}, "strategy": {"bitsPerToken": k}}}

schema = {"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256",
          "info": "c2NoZW1hX2V4YW1wbGU=", "salt": "SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rfNUPCtLDMOGQHG4pCQpfhiHCyA==", "keySize": 64}},
          "features": [
              {"identifier": "rec_id", "ignored": True},
              ngram("given_name", 20), ngram("surname", 20), ngram("street_number", 10, 1, True),
              ngram("address_1", 20), ngram("address_2", 20), ngram("suburb", 20),
              ngram("postcode", 15, 1, True), ngram("state", 20),
              ngram("date_of_birth", 20, 1, True), ngram("soc_sec_id", 10, 1, True)]}
rng = random.Random(7)
given = ["anna", "eva", "maria", "karin", "sara", "lars", "mikael", "johan", "erik", "anders", "zoë", "åsa", "örjan"]
surn = ["andersson", "johansson", "karlsson", "nilsson", "eriksson", "larsson", "olsson", "persson", "svensson", "gustafsson"]
streets = ["storgatan", "kungsgatan", "drottninggatan", "vasagatan", "skolgatan", "kyrkogatan"]
towns = ["stockholm", "göteborg", "malmö", "uppsala", "västerås", "örebro", "linköping"]
rows = [[str(i), rng.choice(given), rng.choice(surn), str(rng.randint(1, 199)), rng.choice(streets),
         rng.choice(["", "lgh 1101", "c/o svensson"]), rng.choice(towns), str(rng.randint(10000, 99999)),
         rng.choice(["ab", "c", "o", "m"]), f"19{rng.randint(10, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
         str(rng.randint(1000000, 9999999))] for i in range(args.records)]

with tempfile.TemporaryDirectory() as d:
    schema_path, csv_path, secret_path = (os.path.join(d, f) for f in ("schema.json", "data.csv", "secret"))
    json.dump(schema, open(schema_path, "w"))
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write(",".join(ft["identifier"] for ft in schema["features"]) + "\n")
        for r in rows: f.write(",".join(r) + "\n")
    open(secret_path, "w").write("benchmark secret\n")

    t = time.perf_counter()
    s = sch.from_json_dict(schema)
    with open(csv_path, encoding="utf-8") as f:
        ref = clk.generate_clk_from_csv(f, "benchmark secret", s, progress_bar=False, max_workers=1)
    ref_json = json.dumps({"clks": [serialize_bitarray(c) for c in ref]})
    clkhash_s = time.perf_counter() - t

    out = os.path.join(d, "clks.json")
    t = time.perf_counter()
    subprocess.run([args.korskoll, "clk", "encode", "--schema", schema_path, "--secret-file", secret_path,
                    "--input", csv_path, "--output", out], check=True, stderr=subprocess.DEVNULL)
    korskoll_s = time.perf_counter() - t
    identical = json.load(open(out))["clks"] == json.loads(ref_json)["clks"]

print(json.dumps({"records": args.records, "clkhash_version": clkhash.__version__, "clkhash_seconds": round(clkhash_s, 3),
                  "clkhash_records_per_s": int(args.records / clkhash_s), "korskoll_seconds": round(korskoll_s, 3),
                  "korskoll_records_per_s": int(args.records / korskoll_s), "speedup": round(clkhash_s / korskoll_s, 1),
                  "identical": identical, "cores": os.cpu_count()}))
