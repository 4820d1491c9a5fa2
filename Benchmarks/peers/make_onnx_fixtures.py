"""ONNX fixtures for `encml import` and the ModelImport tests.

Trains small scikit-learn and PyTorch models on the bundled data sets, exports them
to ONNX (skl2onnx, torch.onnx.export) and records what onnxruntime predicts for
every row of the data set: the class labels and the probabilities that
EncryptedML's imported model must reproduce (>= 99.5 % of the labels,
probabilities within 1e-5).

Writes Tests/ModelImportTests/Fixtures/NAME.onnx and NAME.expected.json, plus a
few malformed files for the error tests. Run from the repository root:
    pip install scikit-learn skl2onnx onnx onnxruntime torch
    python3 Benchmarks/peers/make_onnx_fixtures.py
Versions used for the committed files are printed and stored in manifest.json.
"""
import csv
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
import sklearn
from onnx import TensorProto, helper
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "ModelImportTests", "Fixtures")


def load(name):
    with open(os.path.join(ROOT, "notebooks-data", name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in body], dtype=np.float32)
    y = np.array([r[-1] for r in body])
    return header, X, y


def session(model_bytes):
    return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])


def write(name, model_bytes, labels, probabilities, note):
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model_bytes)
    expected = {"note": note, "labels": [str(v) for v in labels],
                "probabilities": [[float("%.9g" % p) for p in row] for row in probabilities]}
    with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print(name, len(model_bytes), "bytes")


def sklearn_fixture(name, data, model):
    _, X, y = load(data)
    model.fit(X, y)
    onx = to_onnx(model, X[:1], options={id(model): {"zipmap": False}} if not isinstance(model, Pipeline)
                  else {id(model.steps[-1][1]): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    raw = onx.SerializeToString()
    labels, probabilities = session(raw).run(None, {onx.graph.input[0].name: X})
    write(name, raw, labels, probabilities, "scikit-learn %s, skl2onnx %s, onnxruntime %s; data %s, all rows"
          % (sklearn.__version__, skl2onnx.__version__, ort.__version__, data))


def torch_fixture(name, data, hidden, activation, final, seed=0):
    import torch
    from torch import nn

    class Square(nn.Module):
        def forward(self, x):
            return x * x

    torch.manual_seed(seed)
    _, X, y = load(data)
    classes = sorted(set(y))  # what a PyTorch user encodes: the sorted distinct labels
    target = np.array([classes.index(v) for v in y])
    mean, std = X.mean(axis=0), X.std(axis=0) + 1e-12
    Xs = torch.tensor((X - mean) / std, dtype=torch.float32)
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "square": Square}[activation]
    outputs = 1 if len(classes) == 2 and final == "sigmoid" else len(classes)
    layers = [nn.Linear(X.shape[1], hidden), act(), nn.Linear(hidden, outputs)]
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    t = torch.tensor(target)
    for _ in range(300):
        opt.zero_grad()
        z = model(Xs)
        loss = (nn.functional.binary_cross_entropy_with_logits(z[:, 0], t.float()) if outputs == 1
                else nn.functional.cross_entropy(z, t))
        loss.backward()
        opt.step()
    # Fold the standardization into the first Linear: the exported model reads raw features.
    with torch.no_grad():
        first = model[0]
        w = first.weight / torch.tensor(std, dtype=torch.float32)
        first.bias -= (w * torch.tensor(mean, dtype=torch.float32)).sum(dim=1)
        first.weight.copy_(w)
    if final == "softmax":
        model.append(nn.Softmax(dim=1))
    elif final == "sigmoid":
        model.append(nn.Sigmoid())
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model.eval(), torch.tensor(X[:1]), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17, dynamo=False)
    raw = open(path, "rb").read()
    out = session(raw).run(None, {"input": X})[0].astype(np.float64)
    if final == "none":  # logits: the user's link, softmax
        e = np.exp(out - out.max(axis=1, keepdims=True))
        probabilities = e / e.sum(axis=1, keepdims=True)
    elif outputs == 1:
        probabilities = np.concatenate([1 - out, out], axis=1)
    else:
        probabilities = out
    labels = [classes[i] for i in probabilities.argmax(axis=1)]
    write(name, raw, labels, probabilities, "torch %s, onnxruntime %s; data %s, all rows; labels = sorted distinct targets"
          % (torch.__version__, ort.__version__, data))


def malformed_fixtures():
    """Files the importer must refuse with one clear error."""
    good = open(os.path.join(OUT, "sklearn_mlp_iris.onnx"), "rb").read()
    with open(os.path.join(OUT, "bad_truncated.onnx"), "wb") as f:
        f.write(good[: len(good) // 2])
    # An operator we lack (Conv), in a small graph.
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv_1")
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 1, 1], [1.0])
    g = helper.make_graph([conv], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    open(os.path.join(OUT, "bad_operator.onnx"), "wb").write(helper.make_model(g).SerializeToString())
    # Wrong shapes: a 4→8 MatMul followed by a 5→3 MatMul.
    a = helper.make_tensor("a", TensorProto.FLOAT, [4, 8], [0.1] * 32)
    b = helper.make_tensor("b", TensorProto.FLOAT, [5, 3], [0.1] * 15)
    nodes = [helper.make_node("MatMul", ["x", "a"], ["h"], name="mm1"), helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "b"], ["y"], name="mm2")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], [a, b])
    open(os.path.join(OUT, "bad_shapes.onnx"), "wb").write(helper.make_model(g).SerializeToString())
    # A tensor claiming 1 GB (dims 16384 × 16384 floats) with 4 values.
    huge = TensorProto(name="a", data_type=TensorProto.FLOAT, dims=[16384, 16384], float_data=[0.1] * 4)
    nodes = [helper.make_node("MatMul", ["x", "a"], ["y"], name="mm")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 16384])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 16384])], [huge])
    open(os.path.join(OUT, "bad_huge_tensor.onnx"), "wb").write(helper.make_model(g).SerializeToString())


def main():
    os.makedirs(OUT, exist_ok=True)
    sklearn_fixture("sklearn_lr_iris", "iris", LogisticRegression(max_iter=1000))
    sklearn_fixture("sklearn_pipeline_lr_breast_cancer", "breast_cancer",
                    Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(max_iter=1000))]))
    sklearn_fixture("sklearn_mlp_iris", "iris",
                    Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier((16,), max_iter=500, random_state=0))]))
    sklearn_fixture("sklearn_mlp_tanh_breast_cancer", "breast_cancer",
                    Pipeline([("scale", StandardScaler()),
                              ("mlp", MLPClassifier((8,), activation="tanh", max_iter=500, random_state=0))]))
    try:
        torch_fixture("torch_relu_softmax_iris", "iris", 16, "relu", "softmax")
        torch_fixture("torch_tanh_logits_iris", "iris", 8, "tanh", "none")
        torch_fixture("torch_sigmoid_breast_cancer", "breast_cancer", 8, "sigmoid", "sigmoid")
        torch_fixture("torch_square_iris", "iris", 8, "square", "softmax")
    except ImportError as error:
        print("torch not available, PyTorch fixtures skipped:", error, file=sys.stderr)
    malformed_fixtures()


if __name__ == "__main__":
    main()
