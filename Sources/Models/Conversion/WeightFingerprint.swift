/// A 64-bit FNV-1a fingerprint of a model's numbers.
///
/// Models has no crypto dependency, so this is a fingerprint against accidental
/// change or mismatch (a key file generated for another model, a hand-edited
/// weight), not a cryptographic hash: FNV-1a is not collision resistant.
/// Definition: offset basis 0xcbf29ce484222325, prime 0x100000001b3, fed byte by
/// byte with each number as its 8 little-endian bytes (`Int` as Int64,
/// `Double` as its IEEE-754 bit pattern; a string as its UTF-8 length, then its bytes
/// zero-padded to whole 8-byte words), in the order `update` is called.
public struct WeightFingerprint: Sendable {
    /// The running 64-bit state (the fingerprint so far).
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A fresh fingerprint (offset basis).
    public init() {}

    /// Feeds the 8 little-endian bytes of `word`. O(1).
    @inlinable
    public mutating func update(word: UInt64) {
        var v = value
        var w = word
        for _ in 0..<8 {
            v = (v ^ (w & 0xff)) &* 0x0000_0100_0000_01b3
            w >>= 8
        }
        value = v
    }

    /// Feeds an integer as Int64. O(1).
    public mutating func update(_ n: Int) { update(word: UInt64(bitPattern: Int64(n))) }

    /// Feeds a count followed by every number's bit pattern. O(values.count).
    public mutating func update(_ values: [Double]) {
        update(values.count)
        for x in values { update(word: x.bitPattern) }
    }

    /// Feeds a count followed by every integer. O(values.count).
    public mutating func update(ints values: [Int]) {
        update(values.count)
        for x in values { update(x) }
    }

    /// Feeds a string as its UTF-8 byte count followed by its bytes packed 8 to a word. O(length).
    public mutating func update(string: String) {
        let bytes = Array(string.utf8)
        update(bytes.count)
        for start in stride(from: 0, to: bytes.count, by: 8) {
            var word: UInt64 = 0
            for (k, byte) in bytes[start..<min(start + 8, bytes.count)].enumerated() { word |= UInt64(byte) << (8 * k) }
            update(word: word)
        }
    }

    /// Feeds a count followed by every string. O(total length).
    public mutating func update(strings: [String]) {
        update(strings.count)
        for s in strings { update(string: s) }
    }

    /// The fingerprint as 16 lowercase hexadecimal digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
