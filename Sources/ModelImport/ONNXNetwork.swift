import Models

/// The feed-forward network read out of an ONNX graph, before feature names and labels
/// are attached: an optional input scaler, dense layers with an activation between each
/// pair, and the output link.
struct ONNXNetwork {
    /// `(x − offset)·scale` from a scikit-learn `Scaler` in front of the first layer.
    var scaler: (offset: [Double], scale: [Double])?
    /// Dense layers, input to output.
    var layers: [DenseLayer] = []
    /// One activation after every layer but the last.
    var activations: [Activation] = []
    /// The output link; nil when the graph ends on logits (then chosen by output width).
    var link: OutputLink?
    /// Class labels the model carries (skl2onnx `classlabels_*` or its `classes` tensor).
    var classLabels: [String]?
    /// The graph's producer, for the report (e.g. "skl2onnx 1.20.0", "pytorch 2.15.0").
    var producer: String = ""
}
