#!/usr/bin/env python3
"""Candidate-generation benchmark: korskoll `clk match` (release build, whole process) against
anonlink 0.15.3's find_candidate_pairs (one process, whole run: load, compare, write) on the same
two sets of 1024-bit CLKs at the same threshold; the candidate pairs must be identical. Also the
raw kernel rate (every pair through the kernel at threshold 1, no pruning). Prints one JSON line.

    python3 -m venv /tmp/clkvenv && /tmp/clkvenv/bin/pip install clkhash==0.18.3 anonlink==0.15.3
    swift build -c release
    /tmp/clkvenv/bin/python Tests/Benchmarks/clk_match_bench.py --records 30000 --threshold 0.8
"""
import argparse, csv, json, os, random, re, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--records", type=int, default=30000)
ap.add_argument("--threshold", type=float, default=0.8)
ap.add_argument("--korskoll", default=".build/release/korskoll")
args = ap.parse_args()

schema = {"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64}},
          "features": [{"identifier": f, "format": {"type": "string", "encoding": "utf-8"},
                        "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": k}}}
                       for f, k in [("given_name", 25), ("surname", 25), ("street", 15), ("town", 15), ("dob", 20)]]}
rng = random.Random(11)
given = ["anna", "eva", "maria", "karin", "sara", "lars", "mikael", "johan", "erik", "anders", "zoë", "åsa", "örjan", "fatima", "mohammed", "li"]
surn = ["andersson", "johansson", "karlsson", "nilsson", "eriksson", "larsson", "olsson", "persson", "svensson", "gustafsson", "öberg", "al-hassan"]
streets = ["storgatan", "kungsgatan", "drottninggatan", "vasagatan", "skolgatan", "kyrkogatan"]
towns = ["stockholm", "göteborg", "malmö", "uppsala", "västerås", "örebro", "linköping"]

def person():
    return [rng.choice(given), rng.choice(surn), f"{rng.choice(streets)} {rng.randint(1, 99)}", rng.choice(towns),
            f"19{rng.randint(30, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"]

def typo(s):
    if len(s) < 2: return s
    i = rng.randrange(len(s))
    return s[:i] + rng.choice("abcdeiklmnorst") + s[i + 1:]

a_rows = [person() for _ in range(args.records)]
b_rows = [[typo(v) if rng.random() < 0.3 else v for v in r] if rng.random() < 0.5 else person() for r in a_rows]
rng.shuffle(b_rows)

with tempfile.TemporaryDirectory() as d:
    paths = {n: os.path.join(d, n) for n in ("schema.json", "a.csv", "b.csv", "secret", "a.json", "b.json", "k.csv", "ref.csv", "raw.csv")}
    json.dump(schema, open(paths["schema.json"], "w"))
    open(paths["secret"], "w").write("match benchmark\n")
    for name, rows in (("a", a_rows), ("b", b_rows)):
        with open(paths[f"{name}.csv"], "w", encoding="utf-8") as f:
            f.write(",".join(x["identifier"] for x in schema["features"]) + "\n")
            for r in rows: f.write(",".join(r) + "\n")
        subprocess.run([args.korskoll, "clk", "encode", "--schema", paths["schema.json"], "--secret-file", paths["secret"],
                        "--input", paths[f"{name}.csv"], "--output", paths[f"{name}.json"]], check=True, stderr=subprocess.DEVNULL)

    reference = f"""
import json, sys, anonlink
from clkhash.serialization import deserialize_bitarray
a = [deserialize_bitarray(c) for c in json.load(open({paths['a.json']!r}))["clks"]]
b = [deserialize_bitarray(c) for c in json.load(open({paths['b.json']!r}))["clks"]]
sims, (_, _), (ra, rb) = anonlink.candidate_generation.find_candidate_pairs(
    [a, b], anonlink.similarities.dice_coefficient_accelerated, {args.threshold})
with open({paths['ref.csv']!r}, "w") as f:
    f.write("a,b,score\\n")
    for s, i, j in zip(sims, ra, rb): f.write(f"{{i}},{{j}},{{s!r}}\\n")
"""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", reference], check=True)
    anonlink_s = time.perf_counter() - t

    t = time.perf_counter()
    subprocess.run([args.korskoll, "clk", "match", paths["a.json"], paths["b.json"], "--threshold", str(args.threshold),
                    "--solve", "none", "--output", paths["k.csv"]], check=True, stderr=subprocess.DEVNULL)
    korskoll_s = time.perf_counter() - t

    # The raw kernel: every pair compared (no pruning) at threshold 1, so that building and
    # sorting millions of candidates does not hide the kernel's own rate.
    raw = subprocess.run([args.korskoll, "clk", "match", paths["a.json"], paths["b.json"], "--threshold", "1",
                          "--no-prune", "--output", paths["raw.csv"]], check=True, capture_output=True, text=True).stderr
    kernel_s = float(re.search(r"candidate generation ([0-9.]+) s", raw).group(1))

    ref = open(paths["ref.csv"]).read().splitlines()
    ours = open(paths["k.csv"]).read().splitlines()
    same_pairs = sorted(l.split(",")[:2] for l in ref[1:]) == sorted(l.split(",")[:2] for l in ours[1:])
    print(json.dumps({"records": args.records, "threshold": args.threshold, "pairs": len(ours) - 1,
                      "anonlink_seconds": round(anonlink_s, 3), "korskoll_seconds": round(korskoll_s, 3),
                      "speedup": round(anonlink_s / korskoll_s, 1), "identical_pairs": same_pairs, "identical_file": ref == ours,
                      "kernel_comparisons_per_s": round(args.records * args.records / kernel_s), "cores": os.cpu_count()}))
