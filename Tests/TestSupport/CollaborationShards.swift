/// The collaboration tests' split of a CSV text: a shuffled 30 % held-out test part, the rest
/// pooled and cut into three shards, shard 0 taking 80 % of its rows from the first training
/// row's label (skewed). Deterministic (`TestRNG` seed 11). Returns data lines without the header.
public func collaborationShards(csvText text: String) -> (header: String, test: [String], pooled: [String], shards: [[String]]) {
    var lines = text.split(whereSeparator: \.isNewline).map(String.init)
    let header = lines.removeFirst()
    var rng = TestRNG(seed: 11)
    for i in stride(from: lines.count - 1, to: 0, by: -1) { lines.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    let testCount = lines.count * 3 / 10
    let test = Array(lines[..<testCount]), train = Array(lines[testCount...])
    let label: (String) -> Substring = { $0.split(separator: ",").last ?? "" }
    let firstLabel = label(train[0])
    var first = train.filter { label($0) == firstLabel }, other = train.filter { label($0) != firstLabel }
    let size = train.count / 3
    let skew = min(first.count, size * 8 / 10)
    let shard0 = Array(first.prefix(skew)) + Array(other.prefix(size - skew))
    first.removeFirst(skew)
    other.removeFirst(size - skew)
    let rest = first + other
    return (header, test, train, [shard0, Array(rest[..<(rest.count / 2)]), Array(rest[(rest.count / 2)...])])
}
