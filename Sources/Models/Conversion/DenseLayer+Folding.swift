/// Folding affine maps into a dense layer, so that the encrypted runtime spends
/// no level on them (DESIGN.md, "Packed linear algebra").
extension DenseLayer {
    /// The layer that reads raw features: `W·((x − m)/s) + b = (W·diag(1/s))·x + (b − W·(m/s))`.
    /// Predictions are unchanged up to floating-point rounding. O(inputCount · outputCount).
    public func foldingStandardizer(_ standardizer: Standardizer) -> DenseLayer {
        precondition(standardizer.featureCount == inputCount, "standardizer width must match the layer input")
        var weights = self.weights
        var bias = self.bias
        for o in 0..<outputCount {
            var shift = 0.0
            for i in 0..<inputCount {
                let w = weights[o * inputCount + i] / standardizer.scale[i]
                weights[o * inputCount + i] = w
                shift += w * standardizer.mean[i]
            }
            bias[o] -= shift
        }
        return DenseLayer(inputCount: inputCount, outputCount: outputCount, weights: weights, bias: bias)
    }

    /// The layer followed by the interval's change of variable `z ↦ t = (2z − a − b)/(b − a)`:
    /// weights times `2/(b − a)`, bias mapped by the same affine map. O(inputCount · outputCount).
    public func foldingUnitMap(of interval: Interval) -> DenseLayer {
        foldingOutputMap(slope: interval.unitSlope, offset: interval.unitOffset)
    }

    /// The layer followed by the affine map `y ↦ slope·y + offset` on every output:
    /// weights times `slope`, bias mapped by the same map. O(inputCount · outputCount).
    public func foldingOutputMap(slope: Double, offset: Double) -> DenseLayer {
        DenseLayer(inputCount: inputCount, outputCount: outputCount,
                   weights: weights.map { $0 * slope }, bias: bias.map { $0 * slope + offset })
    }

    /// The layer reading `scale·x + shift` instead of `x` (the same map on every input):
    /// `W·(s·x + c) + b = (s·W)·x + (b + c·Σ_i W_oi)`. O(inputCount · outputCount).
    public func foldingInputMap(scale: Double, shift: Double) -> DenseLayer {
        var bias = self.bias
        for o in 0..<outputCount {
            var rowSum = 0.0
            for i in 0..<inputCount { rowSum += weights[o * inputCount + i] }
            bias[o] += shift * rowSum
        }
        return DenseLayer(inputCount: inputCount, outputCount: outputCount, weights: weights.map { $0 * scale }, bias: bias)
    }
}
