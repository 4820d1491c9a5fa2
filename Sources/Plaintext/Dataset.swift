import Models

/// A labelled numeric data set held as one contiguous row-major matrix.
///
/// `features[i * featureCount + j]` is feature `j` of row `i`; `labels[i]` is the
/// class index of row `i` into `classLabels`.
public struct Dataset: Sendable, Equatable {
    /// Feature column names, in matrix column order.
    public var featureNames: [String]
    /// Name of the target column.
    public var targetName: String
    /// Class labels in class-index order.
    public var classLabels: [String]
    /// Row-major `count × featureCount` feature matrix.
    public var features: [Double]
    /// Class index of each row.
    public var labels: [Int]

    /// Number of rows.
    public var count: Int { labels.count }
    /// Number of features per row.
    public var featureCount: Int { featureNames.count }
    /// Number of classes.
    public var classCount: Int { classLabels.count }

    /// Creates a data set from its parts; the caller guarantees consistent sizes
    /// (`features.count == labels.count * featureNames.count`, labels in range).
    public init(featureNames: [String], targetName: String, classLabels: [String],
                features: [Double], labels: [Int]) {
        precondition(features.count == labels.count * featureNames.count, "feature matrix size mismatch")
        self.featureNames = featureNames
        self.targetName = targetName
        self.classLabels = classLabels
        self.features = features
        self.labels = labels
    }

    /// Loads a training set from a CSV file: every column but the target is a feature.
    /// `target` defaults to the last column. Throws `DataError` naming file, row and column.
    public static func load(csv path: String, target: String? = nil) throws -> Dataset {
        try Dataset(table: CSVReader.read(path: path), target: target)
    }

    /// Builds a training set from a parsed table. Class labels keep their order of first
    /// appearance; a target with a single class is refused (`DataError.oneClass`). O(rows · columns).
    public init(table: CSVTable, target: String? = nil) throws {
        let targetName = target ?? table.header[table.header.count - 1]
        guard let targetIndex = table.columnIndex(targetName) else {
            throw DataError.unknownTarget(file: table.file, target: targetName, columns: table.header)
        }
        let names = table.header.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        guard !names.isEmpty else {
            throw DataError.badHeader(file: table.file, reason: "only the target column '\(targetName)' is present, no features")
        }
        var classIndex: [String: Int] = [:]
        var classLabels: [String] = []
        var labels: [Int] = []
        labels.reserveCapacity(table.rows.count)
        for (r, row) in table.rows.enumerated() {
            let value = row[targetIndex]
            if value.isEmpty { throw DataError.missingValue(file: table.file, row: table.rowNumbers[r], column: targetName) }
            if let k = classIndex[value] {
                labels.append(k)
            } else {
                classIndex[value] = classLabels.count
                labels.append(classLabels.count)
                classLabels.append(value)
            }
        }
        guard classLabels.count >= 2 else {
            throw DataError.oneClass(file: table.file, target: targetName, label: classLabels[0])
        }
        self.init(featureNames: names, targetName: targetName, classLabels: classLabels,
                  features: try table.numericMatrix(columns: names), labels: labels)
    }

    /// Loads a test set for a trained model: reads the model's feature columns by name (other
    /// columns are ignored) and maps the target column onto the model's class labels.
    public static func load(csv path: String, for model: TrainedModel) throws -> Dataset {
        try Dataset(table: CSVReader.read(path: path), featureNames: model.featureNames,
                    targetName: model.targetName, classLabels: model.classLabels)
    }

    /// Builds a test set against known feature names and class labels. A label matches a class
    /// by exact text or, for numeric labels, by value (`1.0` matches `1`); an unknown label
    /// throws `DataError.unknownLabel`. O(rows · columns).
    public init(table: CSVTable, featureNames: [String], targetName: String, classLabels: [String]) throws {
        guard let targetIndex = table.columnIndex(targetName) else {
            throw DataError.missingColumn(file: table.file, column: targetName)
        }
        var classIndex: [String: Int] = [:]
        for (k, label) in classLabels.enumerated() { classIndex[label] = k }
        let numericClasses = classLabels.map { Double($0) }
        var labels: [Int] = []
        labels.reserveCapacity(table.rows.count)
        for (r, row) in table.rows.enumerated() {
            let value = row[targetIndex]
            if value.isEmpty { throw DataError.missingValue(file: table.file, row: table.rowNumbers[r], column: targetName) }
            if let k = classIndex[value] {
                labels.append(k)
            } else if let x = Double(value), let k = numericClasses.firstIndex(of: x) {
                labels.append(k)
            } else {
                throw DataError.unknownLabel(file: table.file, row: table.rowNumbers[r], column: targetName,
                                             value: value, known: classLabels)
            }
        }
        self.init(featureNames: featureNames, targetName: targetName, classLabels: classLabels,
                  features: try table.numericMatrix(columns: featureNames), labels: labels)
    }

    /// Feature values of row `i` (a copy). O(featureCount).
    public func row(_ i: Int) -> [Double] {
        Array(features[i * featureCount ..< (i + 1) * featureCount])
    }

    /// The rows at `indices`, in that order, as a new data set. O(indices.count · featureCount).
    public func subset(_ indices: [Int]) -> Dataset {
        let d = featureCount
        var out = [Double](repeating: 0, count: indices.count * d)
        features.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "row index out of range")
                    dst.baseAddress!.advanced(by: k * d).update(from: src.baseAddress!.advanced(by: i * d), count: d)
                }
            }
        }
        return Dataset(featureNames: featureNames, targetName: targetName, classLabels: classLabels,
                       features: out, labels: indices.map { labels[$0] })
    }

    /// Number of rows of each class.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for y in labels { counts[y] += 1 }
        return counts
    }
}
