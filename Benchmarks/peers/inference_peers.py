#!/usr/bin/env python3
"""Encrypted-inference timings side by side: EncryptedML (`encml bench --json`, "inference"
object) against TenSEAL (Microsoft SEAL) evaluating the same model shapes the way its
tutorials do. Single thread, medians, server-side evaluation only (no encryption or
decryption), in one run on the same machine.

Workloads
  lr_single   breast_cancer logistic regression, 30 features, one query.
              TenSEAL: enc_x.dot(w) + b, then .polyval of the degree-3 sigmoid (tutorial 1,
              N=8192, Q=[40,21x6,40], scale 2^21); "dot only" is also reported.
              EncryptedML: logits returned (the client applies the exact sigmoid after
              decryption); plus the same model with a degree-3 encrypted sigmoid.
  mlp_single  digits MLP 64-32-10, square activation, one query.
              TenSEAL: enc_x.mm(W1) + b1, .square(), .mm(W2) + b2 (tutorial 4 context,
              N=8192, Q=[31,26x6,31], scale 2^26).
  lr_batch    breast_cancer LR, one ciphertext per feature, samples across the N/2 slots:
              sum_i enc_x[i] * w_i + b (TenSEAL rescales after every product).
              N=8192, Q=[60,40,60], scale 2^40  ->  predictions per second.
  mlp_batch   digits MLP 64-32-10 square in the same batch packing, N=16384,
              Q=[60,40,40,40,60], scale 2^40  ->  predictions per second.
TenSEAL timings use random weights of the right shapes (the cost does not depend on
the values) and standardized rows of the bundled CSVs as inputs.

Usage (from the repository root, after
  swift build -c release -Xswiftc -target-cpu -Xswiftc native --product encml):
  python3 Benchmarks/peers/inference_peers.py [--repetitions 7] [--json]
Requires `pip install tenseal`; OpenFHE (LR single query: EvalInnerProduct, + EvalLogistic degree 3)
runs in a Python 3.10 subprocess (PYENV_VERSION=3.10.13 python -m pip install openfhe), chosen with
--openfhe-python; it is skipped with a note when unavailable.
"""
import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def median_ms(reps, fn):
    fn()
    samples = []
    for _ in range(reps):
        t0 = time.thread_time_ns()
        fn()
        samples.append((time.thread_time_ns() - t0) / 1e6)
    return statistics.median(samples)


def load_rows(name, count):
    with open(os.path.join(ROOT, "notebooks-data", f"{name}.csv")) as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [[float(v) for v in r[:-1]] for r in reader]
    n = len(rows[0])
    mean = [sum(r[i] for r in rows) / len(rows) for i in range(n)]
    std = [max(1e-9, (sum((r[i] - mean[i]) ** 2 for r in rows) / len(rows)) ** 0.5) for i in range(n)]
    out = [[(r[i] - mean[i]) / std[i] for i in range(n)] for r in rows]
    return [out[k % len(out)] for k in range(count)]


def rand_matrix(rows, cols, rng):
    return [[rng.uniform(-0.5, 0.5) for _ in range(cols)] for _ in range(rows)]


def tenseal_figures(reps):
    import tenseal as ts
    rng = random.Random(1)
    res = {}

    # LR single query, tutorial 1 context.
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192,
                     coeff_mod_bit_sizes=[40, 21, 21, 21, 21, 21, 21, 40], n_threads=1)
    ctx.global_scale = 2 ** 21
    ctx.generate_galois_keys()
    x = load_rows("breast_cancer", 1)[0]
    w = [rng.uniform(-0.5, 0.5) for _ in range(30)]
    b = [0.1]
    enc = ts.ckks_vector(ctx, x)
    res["lr_single_dot_ms"] = median_ms(reps, lambda: enc.dot(w) + b)
    res["lr_single_dot_polyval_ms"] = median_ms(reps, lambda: (enc.dot(w) + b).polyval([0.5, 0.197, 0, -0.004]))

    # MLP single query, tutorial 4 context.
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192,
                     coeff_mod_bit_sizes=[31, 26, 26, 26, 26, 26, 26, 31], n_threads=1)
    ctx.global_scale = 2 ** 26
    ctx.generate_galois_keys()
    x = load_rows("digits", 1)[0]
    w1 = rand_matrix(64, 32, rng)  # TenSEAL's vector-matrix product: x (64) . W (64x32)
    b1 = [rng.uniform(-0.1, 0.1) for _ in range(32)]
    w2 = rand_matrix(32, 10, rng)
    b2 = [rng.uniform(-0.1, 0.1) for _ in range(10)]
    enc = ts.ckks_vector(ctx, x)

    def mlp_single():
        h = enc.mm(w1) + b1
        h.square_()
        return h.mm(w2) + b2
    res["mlp_single_mm_ms"] = median_ms(max(3, reps // 2), mlp_single)

    # Batch packing: one ciphertext per feature, samples in slots, scalar multiply-accumulate.
    def batch_linear(inputs, weights, bias):
        outs = []
        for o, row in enumerate(weights):
            acc = inputs[0] * row[0]
            for i in range(1, len(row)):
                acc += inputs[i] * row[i]
            outs.append(acc + bias[o])
        return outs

    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 60], n_threads=1)
    ctx.global_scale = 2 ** 40
    slots = 4096
    rows = load_rows("breast_cancer", slots)
    inputs = [ts.ckks_vector(ctx, [r[f] for r in rows]) for f in range(30)]
    wl = [[rng.uniform(-0.5, 0.5) for _ in range(30)]]
    ms = median_ms(reps, lambda: batch_linear(inputs, wl, [0.1]))
    res["lr_batch_ms"] = ms
    res["lr_batch_predictions_per_s"] = slots / (ms / 1000)

    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=16384, coeff_mod_bit_sizes=[60, 40, 40, 40, 60],
                     n_threads=1)
    ctx.global_scale = 2 ** 40
    ctx.generate_relin_keys()
    slots = 8192
    rows = load_rows("digits", slots)
    inputs = [ts.ckks_vector(ctx, [r[f] for r in rows]) for f in range(64)]
    W1 = rand_matrix(32, 64, rng)
    W2 = rand_matrix(10, 32, rng)

    def mlp_batch():
        h = batch_linear(inputs, W1, b1)
        for v in h:
            v.square_()
        return batch_linear(h, W2, b2)
    ms = median_ms(max(1, reps // 3), mlp_batch)
    res["mlp_batch_ms"] = ms
    res["mlp_batch_predictions_per_s"] = slots / (ms / 1000)
    return res


def openfhe_figures(reps):
    """LR single query in OpenFHE: EvalInnerProduct (+ EvalLogistic, degree 3 Chebyshev on [-8, 8]).
    Runs in the Python that has the openfhe wheel (see --openfhe-python)."""
    import openfhe as o
    rng = random.Random(1)
    x = load_rows("breast_cancer", 1)[0] + [0.0] * 2
    w = [rng.uniform(-0.5, 0.5) for _ in range(30)] + [0.0] * 2
    res = {}
    for depth, key in ((1, "lr_single_inner_product_ms"), (4, "lr_single_inner_product_logistic_ms")):
        params = o.CCParamsCKKSRNS()
        params.SetMultiplicativeDepth(depth)
        params.SetFirstModSize(60)
        params.SetScalingModSize(40)
        params.SetBatchSize(32)
        params.SetScalingTechnique(o.FLEXIBLEAUTO)
        params.SetSecurityLevel(o.HEStd_128_classic)
        cc = o.GenCryptoContext(params)
        cc.Enable(o.PKESchemeFeature.PKE)
        cc.Enable(o.PKESchemeFeature.KEYSWITCH)
        cc.Enable(o.PKESchemeFeature.LEVELEDSHE)
        cc.Enable(o.PKESchemeFeature.ADVANCEDSHE)
        keys = cc.KeyGen()
        cc.EvalMultKeyGen(keys.secretKey)
        cc.EvalSumKeyGen(keys.secretKey)
        ct = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(x))
        pw = cc.MakeCKKSPackedPlaintext(w)
        if depth == 1:
            res[key] = median_ms(reps, lambda: cc.EvalAdd(cc.EvalInnerProduct(ct, pw, 32), 0.1))
        else:
            res[key] = median_ms(reps, lambda: cc.EvalLogistic(cc.EvalAdd(cc.EvalInnerProduct(ct, pw, 32), 0.1),
                                                                -8.0, 8.0, 3))
        res[key.replace("_ms", "_ring_dimension")] = cc.GetRingDimension()
    return res


def run_openfhe(python, reps):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    parts = python.split()
    env.update(dict(p.split("=", 1) for p in parts if "=" in p and not p.startswith("--")))
    cmd = [p for p in parts if "=" not in p] + [os.path.abspath(__file__), "--peer", "openfhe",
                                                  "--repetitions", str(reps)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        err = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}"
        print(f"OpenFHE skipped: {err}", file=sys.stderr)
        return None
    return json.loads(res.stdout)


def ours(reps):
    exe = os.path.join(ROOT, ".build", "release", "encml")
    out = subprocess.run([exe, "bench", "--json", "--only", "inference", "--sets", "n8192", "--cpu-time",
                          "--repetitions", str(reps)], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout)["inference"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repetitions", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--openfhe-python", default="PYENV_VERSION=3.10.13 pyenv exec python",
                    help="interpreter (with optional VAR=value prefix) that has the openfhe wheel; '' to skip")
    ap.add_argument("--peer", choices=["openfhe"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer == "openfhe":
        print(json.dumps(openfhe_figures(args.repetitions)))
        return
    us = ours(args.repetitions)
    them = tenseal_figures(args.repetitions)
    ofhe = run_openfhe(args.openfhe_python, args.repetitions) if args.openfhe_python else None
    rows = [
        ("LR breast_cancer single (ms)", us["lr_breast_cancer_single_ms"], them["lr_single_dot_polyval_ms"],
         "TenSEAL dot+polyval", False),
        ("LR breast_cancer single (ms)", us["lr_breast_cancer_single_ms"], them["lr_single_dot_ms"], "TenSEAL dot only", False),
    ]
    if "lr_breast_cancer_sigmoid3_single_ms" in us:
        rows.append(("LR + encrypted sigmoid deg 3 (ms)", us["lr_breast_cancer_sigmoid3_single_ms"],
                     them["lr_single_dot_polyval_ms"], "TenSEAL dot+polyval", False))
    rows += [
        ("MLP digits 64-32-10 single (ms)", us["mlp_digits_single_ms"], them["mlp_single_mm_ms"], "TenSEAL mm", False),
        ("LR batch (predictions/s)", us["lr_batch_predictions_per_s"], them["lr_batch_predictions_per_s"],
         "TenSEAL batch-packed", True),
        ("MLP batch (predictions/s)", us["mlp_batch_predictions_per_s"], them["mlp_batch_predictions_per_s"],
         "TenSEAL batch-packed", True),
    ]
    if ofhe:
        rows.insert(2, ("LR breast_cancer single (ms)", us["lr_breast_cancer_single_ms"],
                        ofhe["lr_single_inner_product_ms"], "OpenFHE EvalInnerProduct", False))
        if "lr_breast_cancer_sigmoid3_single_ms" in us:
            rows.insert(4, ("LR + encrypted sigmoid deg 3 (ms)", us["lr_breast_cancer_sigmoid3_single_ms"],
                            ofhe["lr_single_inner_product_logistic_ms"], "OpenFHE InnerProduct+EvalLogistic", False))
    if args.json:
        print(json.dumps({"encryptedml": us, "tenseal": them, "openfhe": ofhe}, sort_keys=True))
        return
    print(f"{'workload':36s} {'EncryptedML':>14s} {'peer':>14s}  {'speed-up':>9s}  peer")
    for name, a, b, peer, higher_is_better in rows:
        ratio = a / b if higher_is_better else b / a
        print(f"{name:36s} {a:14.2f} {b:14.2f}  {ratio:8.1f}x  {peer}")


if __name__ == "__main__":
    main()
