"""The reproducible stratified split of EncryptedML, in Python.

Mirrors Sources/Plaintext/SeededGenerator.swift (SplitMix64) and
Sources/Plaintext/Dataset+Split.swift exactly, so that scikit-learn peers are
measured on the very rows the Swift tests use. Also mirrors the CSV loading
rule (target defaults to the last column; class labels in order of first
appearance).
"""
import csv
import math

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def shuffle(self, values):
        i = len(values) - 1
        while i > 0:
            j = self.next() % (i + 1)
            values[i], values[j] = values[j], values[i]
            i -= 1


def stratified_split_indices(labels, class_count, test_fraction, seed):
    by_class = [[] for _ in range(class_count)]
    for i, y in enumerate(labels):
        by_class[y].append(i)
    rng = SplitMix64(seed)
    train, test = [], []
    for rows in by_class:
        rng.shuffle(rows)
        wanted = int(math.floor(len(rows) * test_fraction + 0.5))
        n_test = min(max(wanted, 1), len(rows) - 1)
        test += rows[:n_test]
        train += rows[n_test:]
    return sorted(train), sorted(test)


def load_csv(path, target=None):
    """Returns (feature_names, class_labels, X as list of lists, y as class indices)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    t = header.index(target) if target else len(header) - 1
    names = [h for k, h in enumerate(header) if k != t]
    labels, index, X, y = [], {}, [], []
    for r in rows[1:]:
        value = r[t].strip()
        if value not in index:
            index[value] = len(labels)
            labels.append(value)
        y.append(index[value])
        X.append([float(c) for k, c in enumerate(r) if k != t])
    return names, labels, X, y
