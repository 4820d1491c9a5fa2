"""Training speed of EncryptedML's plaintext trainers next to NumPy and scikit-learn.

Same data (70/30 stratified split, seed 42, training part, standardized), same algorithm,
same epochs and batch size:
  - MLP 64-32-10 on digits: relu, softmax, cross-entropy + alpha=1e-4 L2, Adam lr 1e-3,
    batch 200, shuffled every epoch, exactly 100 epochs (no early stopping).
  - Logistic regression on breast_cancer: L2 with C=1, L-BFGS until max |gradient| of the
    mean objective <= 1e-4.
Peers: scikit-learn (MLPClassifier / LogisticRegression) and a direct NumPy implementation
(NumPy MLP; NumPy objective + SciPy L-BFGS). All single-threaded BLAS
(OPENBLAS_NUM_THREADS=1 unless set). The Swift side is the `train-speed` executable of
Benchmarks/Package.swift, run in the same process tree.

Run from the repository root:
  (cd Benchmarks && swift build -c release -Xswiftc -target-cpu -Xswiftc native --product train-speed)
  python3 Benchmarks/peers/train_peers.py [--repetitions 7] [--swift PATH]
Prints a table and one JSON line; ratio = peer time / Swift time (> 1: Swift is faster).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from split import load_csv, stratified_split_indices  # noqa: E402

EPOCHS, BATCH, LR, ALPHA = 100, 200, 1e-3, 1e-4


def training_part(name):
    _, labels, X, y = load_csv(os.path.join(ROOT, "notebooks-data", name + ".csv"))
    X, y = np.array(X), np.array(y)
    train, _ = stratified_split_indices(list(y), len(labels), 0.3, 42)
    return StandardScaler().fit_transform(X[train]), y[train], len(labels)


def numpy_mlp(X, y, classes, hidden=32, epochs=EPOCHS, seed=0):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    sizes = [d, hidden, classes]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params += [rng.uniform(-bound, bound, (fan_in, fan_out)), rng.uniform(-bound, bound, fan_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(classes)[y]
    t = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            xb, yb = X[idx], onehot[idx]
            W1, b1, W2, b2 = params
            z1 = xb @ W1 + b1
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2
            z2 -= z2.max(axis=1, keepdims=True)
            p = np.exp(z2)
            p /= p.sum(axis=1, keepdims=True)
            B = len(idx)
            d2 = (p - yb) / B
            gW2 = a1.T @ d2 + ALPHA / B * W2
            gb2 = d2.sum(axis=0)
            d1 = (d2 @ W2.T) * (z1 > 0)
            gW1 = xb.T @ d1 + ALPHA / B * W1
            gb1 = d1.sum(axis=0)
            t += 1
            step = LR * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            for k, g in enumerate((gW1, gb1, gW2, gb2)):
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                params[k] -= step * m[k] / (np.sqrt(v[k]) + 1e-8)
    return params


def numpy_logistic(X, y):
    n, d = X.shape
    yf = y.astype(float)

    def objective(theta):
        w, b = theta[:d], theta[d]
        z = X @ w + b
        loss = np.sum(np.logaddexp(0, z) - yf * z) + 0.5 * w @ w
        r = 1 / (1 + np.exp(-z)) - yf
        grad = np.concatenate([X.T @ r + w, [r.sum()]])
        return loss / n, grad / n

    result = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-4, "maxiter": 1000})
    return result.x, result.nit


def median_ms(repetitions, fn):
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--swift", default=os.path.join(ROOT, "Benchmarks", ".build", "release", "train-speed"))
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    swift = json.loads(subprocess.run([args.swift, str(args.repetitions)], cwd=ROOT, check=True,
                                      capture_output=True, text=True, env={**os.environ, "ENCML_ROOT": ROOT}).stdout)

    Xd, yd, kd = training_part("digits")
    Xb, yb, _ = training_part("breast_cancer")

    def sk_mlp():
        MLPClassifier(hidden_layer_sizes=(32,), solver="adam", learning_rate_init=LR, alpha=ALPHA,
                      batch_size=BATCH, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCH_GUARD,
                      shuffle=True, random_state=0).fit(Xd, yd)

    sk_lr_iterations = []

    def sk_lr():
        model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-4, max_iter=1000).fit(Xb, yb)
        sk_lr_iterations.append(int(model.n_iter_[0]))

    np_lr_iterations = []

    def np_lr():
        np_lr_iterations.append(numpy_logistic(Xb, yb)[1])

    reps = args.repetitions
    rows = [
        ("MLP 64-32-10 digits, 100 epochs", swift["mlp_digits_100_epochs_ms"],
         median_ms(reps, sk_mlp), median_ms(reps, lambda: numpy_mlp(Xd, yd, kd))),
        ("LR breast_cancer, L-BFGS", swift["lr_breast_cancer_ms"],
         median_ms(reps * 3, sk_lr), median_ms(reps * 3, np_lr)),
    ]
    print(f"threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; median of {reps} runs "
          f"(LR: {reps * 3}); LR iterations Swift {swift['lr_iterations']}, scikit-learn {sk_lr_iterations[-1]}, "
          f"SciPy {np_lr_iterations[-1]}")
    print(f"{'workload':34} {'Swift ms':>10} {'sklearn ms':>11} {'NumPy ms':>10} {'sklearn/Swift':>14} {'NumPy/Swift':>12}")
    out = {}
    for name, s, sk, npy in rows:
        print(f"{name:34} {s:10.2f} {sk:11.2f} {npy:10.2f} {sk / s:14.2f} {npy / s:12.2f}")
        key = "mlp" if name.startswith("MLP") else "lr"
        out[key] = {"swift_ms": round(s, 3), "sklearn_ms": round(sk, 3), "numpy_ms": round(npy, 3),
                    "sklearn_over_swift": round(sk / s, 2), "numpy_over_swift": round(npy / s, 2)}
    print(json.dumps(out))


EPOCH_GUARD = EPOCHS + 1  # sklearn stops early after n_iter_no_change epochs; never within 100

if __name__ == "__main__":
    main()
