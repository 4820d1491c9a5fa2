#!/usr/bin/env python3
"""Side-by-side CKKS primitive timings: EncryptedML (`encml bench --json`) against
Microsoft SEAL (TenSEAL's raw `tenseal.sealapi`) and OpenFHE (PyPI `openfhe`),
same parameters, single thread, medians, in one run.

Parameter sets (as DESIGN.md "Performance"):
  n8192:  N=8192,  Q = 60+40+40,   P = 60, scale 2^40
  n16384: N=16384, Q = 60+5x40,    P = 60, scale 2^40
SEAL gets exactly these primes (CoeffModulus.Create with the same bit sizes; EncryptedML
generates primes the same way). OpenFHE gets the same sizes (FirstModSize 60, ScalingModSize 40,
FIXEDMANUAL rescaling, HYBRID key switching with one prime per digit, so its P is ~60 bits).

Operations (ms, median of --repetitions runs after a warm-up; thread CPU time by default,
--clock wall for wall-clock time):
  encode_encrypt          encode N/2 random doubles + public-key encryption (top level)
  add                     ciphertext + ciphertext
  multiply_relin_rescale  ciphertext x ciphertext, relinearize, rescale
  multiply_plain          ciphertext x pre-encoded plaintext (no rescale)
  rotate                  rotate slots by 1 (Galois key switch)
  decrypt_decode          decrypt + decode a fresh ciphertext
Python call overhead is included for the peers (a few microseconds per call; the
encode of a Python list also pays list conversion, reported separately for SEAL as
`encrypt_only`).

Usage (from the repository root, after `swift build -c release -Xswiftc -target-cpu -Xswiftc native --product encml`):
  python3 Benchmarks/peers/ckks_peers.py [--repetitions 31] [--sets n8192,n16384] [--json]
TenSEAL runs in this interpreter (pip install tenseal); OpenFHE runs in a Python 3.10
subprocess (PYENV_VERSION=3.10.13 python -m pip install openfhe), chosen with --openfhe-python
(default: "PYENV_VERSION=3.10.13 pyenv exec python").
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

SETS = {
    "n8192": {"n": 8192, "q": [60, 40, 40], "p": [60], "scale_bits": 40},
    "n16384": {"n": 16384, "q": [60, 40, 40, 40, 40, 40], "p": [60], "scale_bits": 40},
}
OPS = ["encode_encrypt", "add", "multiply_relin_rescale", "multiply_plain", "rotate", "decrypt_decode"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


CLOCK = {"clock": time.thread_time_ns}


def median_ms(reps, fn):
    clock = CLOCK["clock"]
    fn()
    samples = []
    for _ in range(reps):
        t0 = clock()
        fn()
        samples.append((clock() - t0) / 1e6)
    return statistics.median(samples)


def bench_seal(name, reps):
    import tenseal.sealapi as s

    cfg = SETS[name]
    n = cfg["n"]
    parms = s.EncryptionParameters(s.SCHEME_TYPE.CKKS)
    parms.set_poly_modulus_degree(n)
    parms.set_coeff_modulus(s.CoeffModulus.Create(n, cfg["q"] + cfg["p"]))
    ctx = s.SEALContext(parms, True, s.SEC_LEVEL_TYPE.TC128)
    keygen = s.KeyGenerator(ctx)
    sk = keygen.secret_key()
    pk = s.PublicKey()
    keygen.create_public_key(pk)
    rk = s.RelinKeys()
    keygen.create_relin_keys(rk)
    gk = s.GaloisKeys()
    keygen.create_galois_keys([3], gk)  # SEAL generator 3: element 3 = rotation by one slot (this overload takes elements)
    encoder = s.CKKSEncoder(ctx)
    encryptor = s.Encryptor(ctx, pk)
    decryptor = s.Decryptor(ctx, sk)
    evaluator = s.Evaluator(ctx)
    scale = 2.0 ** cfg["scale_bits"]
    slots = n // 2
    x = [random.uniform(-1, 1) for _ in range(slots)]
    y = [random.uniform(-1, 1) for _ in range(slots)]

    def enc(v):
        pt = s.Plaintext()
        encoder.encode(v, scale, pt)
        ct = s.Ciphertext(ctx)
        encryptor.encrypt(pt, ct)
        return ct

    a, b = enc(x), enc(y)
    py = s.Plaintext()
    encoder.encode(y, scale, py)
    out = {}

    def encode_encrypt():
        enc(x)

    out["encode_encrypt"] = median_ms(reps, encode_encrypt)
    px = s.Plaintext()
    encoder.encode(x, scale, px)

    def encrypt_only():
        ct = s.Ciphertext(ctx)
        encryptor.encrypt(px, ct)

    out["encrypt_only"] = median_ms(reps, encrypt_only)

    def add():
        c = s.Ciphertext(ctx)
        evaluator.add(a, b, c)

    out["add"] = median_ms(reps, add)

    def mul():
        c = s.Ciphertext(ctx)
        evaluator.multiply(a, b, c)
        evaluator.relinearize_inplace(c, rk)
        evaluator.rescale_to_next_inplace(c)

    out["multiply_relin_rescale"] = median_ms(reps, mul)

    def mulp():
        c = s.Ciphertext(ctx)
        evaluator.multiply_plain(a, py, c)

    out["multiply_plain"] = median_ms(reps, mulp)

    def rot():
        c = s.Ciphertext(ctx)
        evaluator.rotate_vector(a, 1, gk, c)

    out["rotate"] = median_ms(reps, rot)

    def dec():
        p = s.Plaintext()
        decryptor.decrypt(a, p)
        encoder.decode_double(p)

    out["decrypt_decode"] = median_ms(reps, dec)
    # Sanity: the multiply result decrypts to x*y.
    c = s.Ciphertext(ctx)
    evaluator.multiply(a, b, c)
    evaluator.relinearize_inplace(c, rk)
    evaluator.rescale_to_next_inplace(c)
    p = s.Plaintext()
    decryptor.decrypt(c, p)
    got = encoder.decode_double(p)
    err = max(abs(g - u * v) for g, u, v in zip(got, x, y))
    out["check_multiply_max_error"] = err
    return out


def bench_openfhe(name, reps):
    import openfhe as o

    cfg = SETS[name]
    n = cfg["n"]
    params = o.CCParamsCKKSRNS()
    params.SetMultiplicativeDepth(len(cfg["q"]) - 1)
    params.SetFirstModSize(cfg["q"][0])
    params.SetScalingModSize(cfg["scale_bits"])
    params.SetRingDim(n)
    params.SetBatchSize(n // 2)
    params.SetScalingTechnique(o.FIXEDMANUAL)
    params.SetKeySwitchTechnique(o.HYBRID)
    params.SetNumLargeDigits(len(cfg["q"]))
    # OpenFHE sizes P itself (it may exceed our 60 bits), which can push its own estimate of
    # log2(QP) past the 128-bit table for N=8192; NotSet keeps the ring degree we ask for.
    params.SetSecurityLevel(o.HEStd_NotSet)
    cc = o.GenCryptoContext(params)
    cc.Enable(o.PKESchemeFeature.PKE)
    cc.Enable(o.PKESchemeFeature.KEYSWITCH)
    cc.Enable(o.PKESchemeFeature.LEVELEDSHE)
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    cc.EvalRotateKeyGen(keys.secretKey, [1])
    slots = n // 2
    x = [random.uniform(-1, 1) for _ in range(slots)]
    y = [random.uniform(-1, 1) for _ in range(slots)]
    a = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(x))
    b = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(y))
    py = cc.MakeCKKSPackedPlaintext(y)
    out = {}
    out["encode_encrypt"] = median_ms(reps, lambda: cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(x)))
    px = cc.MakeCKKSPackedPlaintext(x)
    out["encrypt_only"] = median_ms(reps, lambda: cc.Encrypt(keys.publicKey, px))
    out["add"] = median_ms(reps, lambda: cc.EvalAdd(a, b))
    out["multiply_relin_rescale"] = median_ms(reps, lambda: cc.Rescale(cc.EvalMult(a, b)))
    out["multiply_plain"] = median_ms(reps, lambda: cc.EvalMult(a, py))
    out["rotate"] = median_ms(reps, lambda: cc.EvalRotate(a, 1))

    def dec():
        p = cc.Decrypt(a, keys.secretKey)
        p.SetLength(slots)
        p.GetRealPackedValue()

    out["decrypt_decode"] = median_ms(reps, dec)
    c = cc.Rescale(cc.EvalMult(a, b))
    p = cc.Decrypt(c, keys.secretKey)
    p.SetLength(slots)
    got = p.GetRealPackedValue()
    out["check_multiply_max_error"] = max(abs(g - u * v) for g, u, v in zip(got, x, y))
    out["ring_dimension"] = cc.GetRingDimension()
    return out


def run_ours(sets, reps, clock, parallel=False):
    """`encml bench --json`: the primitives per set, and the inference figures under
    "inference" when encml finds notebooks-data. `parallel` processes limbs on every core."""
    exe = os.path.join(ROOT, ".build", "release", "encml")
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: build it with swift build -c release -Xswiftc -target-cpu -Xswiftc native --product encml")
    cmd = [exe, "bench", "--json", "--repetitions", str(reps), "--sets", ",".join(sets)]
    if clock == "cpu":
        cmd.append("--cpu-time")
    if parallel:
        cmd.append("--parallel")
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    report = json.loads(res.stdout)
    out = {name: {(k[:-3] if k.endswith("_ms") else k): v for k, v in report["primitives"][name].items()} for name in sets}
    if "inference" in report:
        out["inference"] = report["inference"]
    return out


def run_peer_subprocess(peer, python, sets, reps, clock, threads=1):
    cmd = python.split() + [os.path.abspath(__file__), "--peer", peer, "--sets", ",".join(sets), "--repetitions", str(reps),
                            "--clock", clock]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if "PYENV_VERSION=" in python:
        parts = python.split()
        env.update(dict(p.split("=", 1) for p in parts if "=" in p))
        cmd = [p for p in cmd if "=" not in p or p.startswith("--")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        return None, res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}"
    return json.loads(res.stdout), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repetitions", type=int, default=31)
    ap.add_argument("--sets", default="n8192,n16384")
    ap.add_argument("--json", action="store_true", help="print one JSON object with all figures and ratios")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                    help="cpu: thread CPU time (default; robust when other processes load the machine), wall: wall clock")
    ap.add_argument("--peer", choices=["seal", "openfhe"], help=argparse.SUPPRESS)
    ap.add_argument("--openfhe-python", default="PYENV_VERSION=3.10.13 pyenv exec python",
                    help="interpreter (with optional VAR=value prefix) that has the openfhe wheel")
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    random.seed(1)
    CLOCK["clock"] = time.thread_time_ns if args.clock == "cpu" else time.perf_counter_ns

    if args.peer:
        fn = bench_seal if args.peer == "seal" else bench_openfhe
        print(json.dumps({name: fn(name, args.repetitions) for name in sets}))
        return

    results = {"ours": run_ours(sets, args.repetitions, args.clock)}
    errors = {}
    try:
        results["seal"] = {name: bench_seal(name, args.repetitions) for name in sets}
    except ImportError as e:
        errors["seal"] = f"tenseal not importable in {sys.executable}: {e}"
    ofhe, err = run_peer_subprocess("openfhe", args.openfhe_python, sets, args.repetitions, args.clock)
    if ofhe is not None:
        results["openfhe"] = ofhe
    else:
        errors["openfhe"] = err

    ratios = {}
    for peer in ("seal", "openfhe"):
        if peer not in results:
            continue
        ratios[peer] = {
            name: {op: results["ours"][name][op] / results[peer][name][op] for op in OPS if op in results[peer][name]}
            for name in sets
        }
    if args.json:
        print(json.dumps({"threads": 1, "clock": args.clock, "results": results, "ratios_ours_over_peer": ratios,
                          "errors": errors}, indent=1))
        return
    print(f"CKKS primitives, median ms ({args.clock} clock), single thread; ratio = ours / theirs (< 1: we are faster)")
    for name in sets:
        cfg = SETS[name]
        print(f"\n{name}: N={cfg['n']} Q={'+'.join(map(str, cfg['q']))} P={'+'.join(map(str, cfg['p']))} scale=2^{cfg['scale_bits']}")
        header = f"  {'operation':24s} {'ours':>9s}"
        for peer in ("seal", "openfhe"):
            if peer in results:
                header += f" {peer:>9s} {'ratio':>7s}"
        print(header)
        for op in OPS:
            line = f"  {op:24s} {results['ours'][name][op]:9.4f}"
            for peer in ("seal", "openfhe"):
                if peer in results:
                    t = results[peer][name][op]
                    line += f" {t:9.4f} {results['ours'][name][op] / t:7.2f}"
            print(line)
        for peer in ("seal", "openfhe"):
            if peer in results:
                r = results[peer][name]
                print(f"  ({peer}: encrypt_only {r['encrypt_only']:.4f} ms, multiply max error {r['check_multiply_max_error']:.2e})")
        o = results["ours"][name]
        if "precision_bits_multiply" in o:
            print(f"  (ours: precision fresh {o['precision_bits_fresh']:.1f} bits, after multiply {o['precision_bits_multiply']:.1f},"
                  f" after rotate {o['precision_bits_rotate']:.1f}; multiply max error {2 ** -o['precision_bits_multiply']:.2e})")
    for peer, e in errors.items():
        print(f"\n{peer} unavailable: {e}")


if __name__ == "__main__":
    main()
