import Foundation
import Models

/// Walks an ONNX graph from its input along the one chain of supported operators and
/// collects the network (`ONNXNetwork`); after the output link only post-processing
/// (ArgMax, ZipMap, Cast, Identity, and skl2onnx's label lookup and probability assembly)
/// may follow. Every node must be on that walk: anything else is an error naming the node.
/// Cost: O(nodes + Σ tensor sizes).
struct ONNXGraphReader {
    let file: String
    let graph: Onnx_GraphProto
    let initializers: [String: Onnx_TensorProto]
    let consumers: [String: [Int]]

    init(model: Onnx_ModelProto, file: String) {
        self.file = file
        graph = model.graph
        var tensors: [String: Onnx_TensorProto] = [:]
        for t in graph.initializer { tensors[t.name] = t }
        initializers = tensors
        var uses: [String: [Int]] = [:]
        for (index, node) in graph.node.enumerated() {
            for name in Set(node.input) where !name.isEmpty { uses[name, default: []].append(index) }
        }
        consumers = uses
    }

    /// What the walk has seen last, to place biases and activations.
    private enum Last { case start, linear, activation, link }

    func read() throws -> ONNXNetwork {
        var network = ONNXNetwork()
        guard let input = graph.input.first(where: { initializers[$0.name] == nil }) else {
            throw ImportError.unsupportedGraph(file: file, node: graph.name, reason: "the graph has no input besides its weights")
        }
        var visited = Set<Int>()
        var current = input.name
        var width: Int?  // width of `current` once known
        var last = Last.start
        var pendingActivation: Activation?
        var linkOutput: String?

        func only(_ tensor: String) throws -> (Int, Onnx_NodeProto)? {
            let uses = consumers[tensor] ?? []
            if uses.isEmpty { return nil }
            guard uses.count == 1 else {
                let names = uses.map { graph.node[$0].displayName }.joined(separator: ", ")
                throw ImportError.unsupportedGraph(file: file, node: names, reason: "tensor '\(tensor)' feeds \(uses.count) nodes; a feed-forward chain was expected")
            }
            return (uses[0], graph.node[uses[0]])
        }
        func weight(_ name: String, of node: Onnx_NodeProto) throws -> Onnx_TensorProto {
            guard let t = initializers[name] else {
                throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "operand '\(name)' is computed, not a stored weight; only x·W with constant W is supported")
            }
            return t
        }
        func addLayer(_ layer: DenseLayer, node: Onnx_NodeProto) throws {
            if let w = width, w != layer.inputCount {
                throw ImportError.shapeMismatch(file: file, node: node.displayName,
                                                reason: "its weights read \(layer.inputCount) inputs but the previous step gives \(w)")
            }
            if last == .linear {
                throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "two linear layers follow each other without an activation")
            }
            if let activation = pendingActivation { network.activations.append(activation); pendingActivation = nil }
            else if !network.layers.isEmpty {
                throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "a linear layer follows the output link")
            }
            network.layers.append(layer)
            width = layer.outputCount
            last = .linear
        }

        walk: while true {
            // Past a trailing sigmoid (the output link), only post-processing may follow.
            let uses = consumers[current] ?? []
            if last == .activation, pendingActivation?.kind == .sigmoid, !uses.isEmpty,
               uses.allSatisfy({ Self.postOperators.contains(graph.node[$0].opType) }) { break }
            guard let (index, node) = try only(current) else { break }
            visited.insert(index)
            let op = node.opType
            switch op {
            case "Scaler":
                guard last == .start, network.scaler == nil else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "a Scaler is supported only in front of the first layer")
                }
                let offset = try node.floats("offset", file: file), scale = try node.floats("scale", file: file)
                guard !offset.isEmpty || !scale.isEmpty, scale.allSatisfy({ $0 != 0 && $0.isFinite }), offset.allSatisfy(\.isFinite) else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "the Scaler needs finite offsets and non-zero finite scales")
                }
                network.scaler = (offset, scale)
            case "Cast":
                let to = node.int("to", default: 1)
                guard to == 1 || to == 11 else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "Cast to element type \(to) in the network; only float and double casts are supported")
                }
            case "Identity":
                break
            case "MatMul":
                guard node.input.count == 2, node.input[0] == current else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "MatMul must multiply the activations by a weight matrix (x·W)")
                }
                let w = try weight(node.input[1], of: node)
                guard w.dims.count == 2 else {
                    throw ImportError.shapeMismatch(file: file, node: node.displayName, reason: "weight '\(w.name)' has \(w.dims.count) dimensions, 2 expected")
                }
                let (n, m) = (Int(w.dims[0]), Int(w.dims[1]))
                let values = try w.doubles(file: file)
                let rowMajor = (0..<(m * n)).map { k in values[(k % n) * m + k / n] }  // Wᵀ: out × in
                try addLayer(DenseLayer(inputCount: n, outputCount: m, weights: rowMajor, bias: [Double](repeating: 0, count: m)), node: node)
            case "Gemm":
                guard node.input.count >= 2, node.input[0] == current, node.int("transA", default: 0) == 0 else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "Gemm must compute x·W(ᵀ) + c on the activations (transA = 0)")
                }
                let w = try weight(node.input[1], of: node)
                guard w.dims.count == 2 else {
                    throw ImportError.shapeMismatch(file: file, node: node.displayName, reason: "weight '\(w.name)' has \(w.dims.count) dimensions, 2 expected")
                }
                let transposed = node.int("transB", default: 0) != 0
                let (n, m) = transposed ? (Int(w.dims[1]), Int(w.dims[0])) : (Int(w.dims[0]), Int(w.dims[1]))
                let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
                let values = try w.doubles(file: file)
                let rowMajor = (0..<(m * n)).map { k in alpha * (transposed ? values[k] : values[(k % n) * m + k / n]) }
                var biases = [Double](repeating: 0, count: m)
                if node.input.count >= 3, !node.input[2].isEmpty {
                    let c = try bias(of: try weight(node.input[2], of: node), width: m, node: node)
                    biases = c.map { beta * $0 }
                }
                try addLayer(DenseLayer(inputCount: n, outputCount: m, weights: rowMajor, bias: biases), node: node)
            case "Add":
                guard last == .linear, node.input.count == 2, node.input.contains(current) else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "Add is supported only as the bias of a linear layer (x·W + b)")
                }
                let other = node.input[0] == current ? node.input[1] : node.input[0]
                let b = try bias(of: try weight(other, of: node), width: width ?? 0, node: node)
                let k = network.layers.count - 1
                network.layers[k].bias = zip(network.layers[k].bias, b).map(+)
            case "Relu", "Tanh", "Sigmoid":
                guard last == .linear else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "\(op) must follow a linear layer")
                }
                pendingActivation = Activation(op == "Relu" ? .relu : op == "Tanh" ? .tanh : .sigmoid)
                last = .activation
            case "Mul":
                guard last == .linear, node.input.count == 2, node.input[0] == current, node.input[1] == current else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "Mul is supported only as the square activation x·x after a linear layer")
                }
                pendingActivation = Activation(.square)
                last = .activation
            case "Softmax":
                let axis = node.int("axis", default: -1)
                guard last == .linear, axis == 1 || axis == -1 else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "Softmax must follow the last linear layer, over axis 1")
                }
                network.link = .softmax
                last = .link
                linkOutput = node.output.first
                break walk
            case "LinearClassifier":
                guard last == .start || last == .activation else {
                    throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "LinearClassifier must read the features or an activation")
                }
                let (layer, link, labels) = try readLinearClassifier(node)
                try addLayer(layer, node: node)
                network.link = link
                if let labels { network.classLabels = labels }
                last = .link
                linkOutput = node.output.count > 1 ? node.output[1] : nil
                break walk
            default:
                throw ImportError.unsupportedOperator(file: file, operator: op, node: node.displayName)
            }
            guard let next = node.output.first else { break }
            current = next
        }
        // A trailing Sigmoid after the last layer is the output link, not a hidden activation.
        if last == .activation, let activation = pendingActivation {
            guard activation.kind == .sigmoid else {
                throw ImportError.unsupportedGraph(file: file, node: current, reason: "the network ends on a \(activation.kind.rawValue) activation; it must end on logits, Softmax or Sigmoid")
            }
            network.link = .sigmoid
            pendingActivation = nil
            linkOutput = current
        }
        guard !network.layers.isEmpty else {
            throw ImportError.unsupportedGraph(file: file, node: graph.name, reason: "no linear layer (Gemm, MatMul, LinearClassifier) on the path from the input '\(input.name)'")
        }
        if let output = linkOutput { try readPostProcessing(from: output, network: &network, visited: &visited) }
        if let stray = graph.node.indices.first(where: { !visited.contains($0) }) {
            let node = graph.node[stray]
            if Self.postOperators.contains(node.opType) || Self.chainOperators.contains(node.opType) {
                throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "\(node.opType) is not on the path from the input '\(input.name)' to the outputs")
            }
            throw ImportError.unsupportedOperator(file: file, operator: node.opType, node: node.displayName)
        }
        return network
    }

    static let postOperators: Set<String> = ["ArgMax", "ZipMap", "Cast", "Identity", "ArrayFeatureExtractor", "Reshape",
                                             "Normalizer", "Sub", "Concat"]
    static let chainOperators: Set<String> = ["Scaler", "MatMul", "Gemm", "Add", "Relu", "Tanh", "Sigmoid", "Mul", "Softmax", "LinearClassifier"]

    /// A bias tensor of `width` values (shape `[width]`, `[1, width]` or a scalar broadcast).
    func bias(of tensor: Onnx_TensorProto, width: Int, node: Onnx_NodeProto) throws -> [Double] {
        let values = try tensor.doubles(file: file)
        if values.count == width { return values }
        if values.count == 1 { return [Double](repeating: values[0], count: width) }
        throw ImportError.shapeMismatch(file: file, node: node.displayName, reason: "bias '\(tensor.name)' has \(values.count) values for a layer of \(width) outputs")
    }

    /// skl2onnx's LogisticRegression: `coefficients` (classes × inputs), `intercepts`,
    /// `classlabels_*`, `post_transform` SOFTMAX (multinomial) or LOGISTIC (two classes).
    func readLinearClassifier(_ node: Onnx_NodeProto) throws -> (DenseLayer, OutputLink, [String]?) {
        let link: OutputLink
        let coefficients = try node.floats("coefficients", file: file)
        let intercepts = try node.floats("intercepts", file: file)
        var labels: [String] = []
        if let strings = node.attribute("classlabels_strings")?.strings, !strings.isEmpty {
            labels = strings.map { String(decoding: $0, as: UTF8.self) }
        } else if let ints = node.attribute("classlabels_ints")?.ints, !ints.isEmpty {
            labels = ints.map { String($0) }
        }
        let rows = intercepts.count
        guard rows >= 1, !coefficients.isEmpty, coefficients.count % rows == 0 else {
            throw ImportError.shapeMismatch(file: file, node: node.displayName, reason: "\(coefficients.count) coefficients do not split into \(rows) classes")
        }
        let n = coefficients.count / rows
        let transform = node.string("post_transform", default: "NONE")
        var layer = DenseLayer(inputCount: n, outputCount: rows, weights: coefficients, bias: intercepts)
        switch (transform, rows) {
        case ("SOFTMAX", _) where rows >= 2:
            link = .softmax
        case ("LOGISTIC", 1):
            link = .sigmoid
        case ("LOGISTIC", 2):
            // skl2onnx writes a binary model as rows (−w, w): σ(s₁) and σ(−s₁) = 1 − σ(s₁).
            let w0 = Array(coefficients[0..<n]), w1 = Array(coefficients[n..<(2 * n)])
            let scale = (w1 + [intercepts[1]]).map(abs).max() ?? 1
            guard zip(w0 + [intercepts[0]], w1 + [intercepts[1]]).allSatisfy({ abs($0 + $1) <= 1e-6 * max(scale, 1) }) else {
                throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "a two-row LOGISTIC classifier whose rows are not opposite cannot be expressed as one sigmoid")
            }
            layer = DenseLayer(inputCount: n, outputCount: 1, weights: w1, bias: [intercepts[1]])
            link = .sigmoid
        default:
            throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "post_transform \(transform) over \(rows) classes is not supported; export a multinomial (softmax) or a binary logistic model")
        }
        return (layer, link, labels.isEmpty ? nil : labels)
    }

    /// Marks the post-processing nodes after the link as visited: ArgMax, ZipMap, Cast,
    /// Identity, skl2onnx's label lookup (ArrayFeatureExtractor over its `classes` tensor,
    /// Reshape), an L1 Normalizer of probabilities, and the `[1 − p, p]` assembly of a
    /// binary sigmoid (Sub from 1, Concat). Anything else names its operator and node.
    func readPostProcessing(from start: String, network: inout ONNXNetwork, visited: inout Set<Int>) throws {
        var queue = [start]
        var seen = Set<String>()
        while let tensor = queue.popLast() {
            guard seen.insert(tensor).inserted else { continue }
            for index in consumers[tensor] ?? [] where !visited.contains(index) {
                let node = graph.node[index]
                switch node.opType {
                case "ArgMax", "ZipMap", "Cast", "Identity", "Reshape":
                    break
                case "Normalizer":
                    guard node.string("norm", default: "MAX") == "L1", network.link == .softmax else {
                        throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "only an L1 Normalizer of softmax probabilities is understood after the output")
                    }
                case "ArrayFeatureExtractor":
                    if let classes = node.input.first.flatMap({ initializers[$0] }) {
                        network.classLabels = try classes.labels(file: file)
                    }
                case "Sub":
                    guard network.link == .sigmoid, node.input.count == 2, node.input[1] == start,
                          let one = initializers[node.input[0]], try one.doubles(file: file) == [1] else {
                        throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "only 1 − p after the output sigmoid is understood")
                    }
                case "Concat":
                    guard network.link == .sigmoid, node.input.count == 2, node.input[1] == start else {
                        throw ImportError.unsupportedGraph(file: file, node: node.displayName, reason: "only the [1 − p, p] assembly after the output sigmoid is understood")
                    }
                default:
                    throw ImportError.unsupportedOperator(file: file, operator: node.opType, node: node.displayName)
                }
                visited.insert(index)
                queue.append(contentsOf: node.output)
            }
        }
    }
}
