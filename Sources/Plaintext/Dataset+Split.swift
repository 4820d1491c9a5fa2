extension Dataset {
    /// Row indices of a reproducible stratified split.
    ///
    /// Per class, in class-index order: take that class's row indices in ascending order,
    /// shuffle them with one `SeededGenerator(seed:)` shared across classes, and put the first
    /// `⌊count · testFraction + 0.5⌋` (clamped to 1…count−1) into the test part. Both parts are
    /// returned sorted. `Benchmarks/peers/split.py` implements the same rule, so Swift and
    /// scikit-learn see the same rows. Needs at least two rows per class. O(count).
    public func stratifiedSplitIndices(testFraction: Double, seed: UInt64) throws -> (train: [Int], test: [Int]) {
        try Self.stratifiedSplitIndices(labels: labels, classLabels: classLabels, testFraction: testFraction, seed: seed)
    }

    /// The split rule of `stratifiedSplitIndices(testFraction:seed:)` over bare class indices.
    static func stratifiedSplitIndices(labels: [Int], classLabels: [String], testFraction: Double,
                                       seed: UInt64) throws -> (train: [Int], test: [Int]) {
        guard testFraction > 0 && testFraction < 1 else {
            throw DataError.invalidOptions(reason: "test fraction \(testFraction) must be between 0 and 1 (exclusive)")
        }
        var byClass = [[Int]](repeating: [], count: classLabels.count)
        for (i, y) in labels.enumerated() { byClass[y].append(i) }
        var rng = SeededGenerator(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for (k, var rows) in byClass.enumerated() {
            guard rows.count >= 2 else {
                throw DataError.invalidOptions(reason: "class '\(classLabels[k])' has \(rows.count) row(s); a stratified split needs at least 2 per class")
            }
            rng.shuffle(&rows)
            let wanted = Int((Double(rows.count) * testFraction + 0.5).rounded(.down))
            let nTest = min(max(wanted, 1), rows.count - 1)
            test += rows[..<nTest]
            train += rows[nTest...]
        }
        return (train.sorted(), test.sorted())
    }

    /// A reproducible stratified train/test split (see `stratifiedSplitIndices`). O(count · featureCount).
    public func stratifiedSplit(testFraction: Double, seed: UInt64) throws -> (train: Dataset, test: Dataset) {
        let (train, test) = try stratifiedSplitIndices(testFraction: testFraction, seed: seed)
        return (subset(train), subset(test))
    }
}
