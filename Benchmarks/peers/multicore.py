#!/usr/bin/env python3
"""Multi-core speed-up of the CKKS primitives and of encrypted inference: EncryptedML
(`encml bench --parallel`, limbs and digits on every core) against OpenFHE (PyPI wheel,
OpenMP with OMP_NUM_THREADS), wall clock, one thread and every core, in one run.

Usage (repository root, after the release build of encml):
  python3 Benchmarks/peers/multicore.py [--repetitions 15] [--sets n8192,n16384] [--json]
OpenFHE runs in Python 3.10 (see ckks_peers.py, --openfhe-python). SEAL is left out: its
evaluator is single-threaded per operation.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckks_peers  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repetitions", type=int, default=15)
    ap.add_argument("--sets", default="n8192,n16384")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="the many-thread run (default: every core)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--openfhe-python", default="PYENV_VERSION=3.10.13 pyenv exec python")
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    runs = {}
    for threads in (1, args.threads):
        ours = ckks_peers.run_ours(sets, args.repetitions, "wall", parallel=threads > 1)
        ofhe, err = ckks_peers.run_peer_subprocess("openfhe", args.openfhe_python, sets, args.repetitions, "wall", threads)
        runs[threads] = {"ours": ours, "openfhe": ofhe, "openfhe_error": err}
    one, many = runs[1], runs[args.threads]
    rows = []
    for name in sets:
        for op in ckks_peers.OPS:
            row = {"set": name, "op": op, "ours_1": one["ours"][name][op], "ours_n": many["ours"][name][op]}
            if one["openfhe"] and many["openfhe"]:
                row["openfhe_1"] = one["openfhe"][name][op]
                row["openfhe_n"] = many["openfhe"][name][op]
            rows.append(row)
    inference = []
    for key in sorted((one["ours"].get("inference") or {}).keys()):
        a, b = one["ours"]["inference"][key], many["ours"].get("inference", {}).get(key)
        if b is None:
            continue
        # Times (ms) speed up when they shrink, throughputs (per second) when they grow.
        speedup = a / b if key.endswith("_ms") else b / a
        inference.append({"figure": key, "one_thread": a, "all_threads": b, "speedup": speedup})
    if args.json:
        print(json.dumps({"threads": args.threads, "clock": "wall", "primitives": rows, "inference": inference,
                          "openfhe_error": one["openfhe_error"] or many["openfhe_error"]}, indent=1))
        return
    print(f"Wall-clock medians (ms), 1 thread and {args.threads} threads; speed-up = 1-thread / {args.threads}-thread")
    print(f"| set | operation | ours 1 | ours {args.threads} | speed-up | OpenFHE 1 | OpenFHE {args.threads} | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        line = f"| {r['set']} | {r['op']} | {r['ours_1']:.3f} | {r['ours_n']:.3f} | {r['ours_1'] / r['ours_n']:.2f} |"
        if "openfhe_1" in r:
            line += f" {r['openfhe_1']:.3f} | {r['openfhe_n']:.3f} | {r['openfhe_1'] / r['openfhe_n']:.2f} |"
        else:
            line += " | | |"
        print(line)
    if inference:
        print(f"\n| inference figure | 1 thread | {args.threads} threads | speed-up |")
        print("|---|---|---|---|")
        for r in inference:
            print(f"| {r['figure']} | {r['one_thread']:.4g} | {r['all_threads']:.4g} | {r['speedup']:.2f} |")
    if one["openfhe_error"]:
        print(f"\nOpenFHE not run: {one['openfhe_error']}")


if __name__ == "__main__":
    main()
