"""Reference accuracies of scikit-learn on EncryptedML's 70/30 stratified splits.

For each bundled data set this uses the exact split of the Swift tests
(split.py mirrors Dataset.stratifiedSplitIndices, seed 42), standardizes with
StandardScaler fitted on the training rows, and reports test accuracy of
  - LogisticRegression(C=1, max_iter=1000)   (lbfgs, L2, multinomial when > 2 classes)
  - MLPClassifier(hidden_layer_sizes=(32,))  (defaults: relu, adam, lr 1e-3, batch 200,
                                              200 epochs), mean over random_state 0..4
plus a fingerprint of the split (test row count, sum, first indices) that the
Swift test checks, to prove both sides use the same rows.

Run from the repository root:  python3 Benchmarks/peers/sklearn_reference.py
The numbers it prints are checked in to Tests/PlaintextTests/ReferenceAccuracyTests.swift.
"""
import json
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split import load_csv, stratified_split_indices  # noqa: E402

SEED = 42
DATA = ["breast_cancer", "digits", "iris"]


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "notebooks-data")
    out = {}
    for name in DATA:
        _, labels, X, y = load_csv(os.path.join(root, name + ".csv"))
        X, y = np.array(X), np.array(y)
        train, test = stratified_split_indices(list(y), len(labels), 0.3, SEED)
        scaler = StandardScaler().fit(X[train])
        Xtr, Xte = scaler.transform(X[train]), scaler.transform(X[test])
        lr = LogisticRegression(C=1.0, max_iter=1000).fit(Xtr, y[train])
        lr_acc = float((lr.predict(Xte) == y[test]).mean())
        mlp_accs = []
        for rs in range(5):
            mlp = MLPClassifier(hidden_layer_sizes=(32,), random_state=rs).fit(Xtr, y[train])
            mlp_accs.append(float((mlp.predict(Xte) == y[test]).mean()))
        out[name] = {
            "test_count": len(test), "test_index_sum": int(sum(test)), "first_test_indices": test[:8],
            "logistic_accuracy": round(lr_acc, 4),
            "mlp_accuracy_mean": round(float(np.mean(mlp_accs)), 4),
            "mlp_accuracies": [round(a, 4) for a in mlp_accs],
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
