/// Data used to calibrate a conversion: raw feature rows in the model's column order
/// and, when the target column is present, the class index of each row.
public struct CalibrationSet: Sendable {
    /// Raw (unstandardized) feature rows, `featureCount` values each.
    public var rows: [[Double]]
    /// Class index per row (nil when the data has no target column).
    public var labels: [Int]?
    /// Where the rows come from (a file name), for error messages.
    public var source: String

    /// Creates a calibration set; `validate(featureCount:classCount:)` checks it.
    public init(rows: [[Double]], labels: [Int]?, source: String) {
        self.rows = rows
        self.labels = labels
        self.source = source
    }

    /// Checks that there is at least one row, that every row has `featureCount` finite
    /// values, and that labels (if any) are one per row and valid class indices.
    /// Throws `ConversionError.calibrationMismatch` naming the row (1-based, data rows).
    public func validate(featureCount: Int, classCount: Int) throws {
        guard !rows.isEmpty else {
            throw ConversionError.calibrationMismatch(source: source, reason: "no data rows to calibrate on")
        }
        for (index, row) in rows.enumerated() {
            guard row.count == featureCount else {
                throw ConversionError.calibrationMismatch(source: source, reason: "row \(index + 1) has \(row.count) features, the model expects \(featureCount)")
            }
            if let column = row.firstIndex(where: { !$0.isFinite }) {
                throw ConversionError.calibrationMismatch(source: source, reason: "row \(index + 1), feature \(column + 1) is not a finite number")
            }
        }
        if let labels {
            guard labels.count == rows.count else {
                throw ConversionError.calibrationMismatch(source: source, reason: "\(labels.count) labels for \(rows.count) rows")
            }
            if let bad = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
                throw ConversionError.calibrationMismatch(source: source, reason: "row \(bad + 1) has class index \(labels[bad]), the model has \(classCount) classes")
            }
        }
    }
}

/// The calibrated range of one layer's pre-activations and the interval chosen from it.
public struct LayerCalibration: Codable, Sendable, Equatable {
    /// Index of the layer whose outputs were observed.
    public var layer: Int
    /// Smallest and largest value observed over all rows and units.
    public var observed: Interval
    /// The approximation interval (covered range widened by the margin).
    public var interval: Interval
    /// Share of observed values outside `interval`.
    public var outsideFraction: Double

    /// Calibrates from every pre-activation value of a layer: the central `coverage` share of
    /// the values (min…max when 1), widened by `margin × width` on each side (a degenerate
    /// range is widened by ±1). O(n log n) for coverage < 1, O(n) otherwise.
    public init(layer: Int, values: [Double], margin: Double, coverage: Double) {
        self.layer = layer
        var lo = values.min() ?? -1, hi = values.max() ?? 1
        observed = Interval(lo, hi)
        if coverage < 1, values.count > 2 {
            let sorted = values.sorted()
            let drop = Int((Double(sorted.count) * (1 - coverage) / 2).rounded(.down))
            lo = sorted[drop]
            hi = sorted[sorted.count - 1 - drop]
        }
        var interval = Interval(lo, hi)
        interval = interval.width > 1e-9 * max(1, interval.magnitude) ? interval.widened(by: margin) : Interval(lo - 1, hi + 1)
        self.interval = interval
        outsideFraction = Self.outsideFraction(of: values, in: interval)
    }

    /// Share of `values` outside `interval`. O(n).
    public static func outsideFraction(of values: [Double], in interval: Interval) -> Double {
        guard !values.isEmpty else { return 0 }
        var outside = 0
        for v in values where !interval.contains(v) { outside += 1 }
        return Double(outside) / Double(values.count)
    }
}
