import Foundation

/// Appends little-endian fields to a byte buffer sized once up front.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    /// A writer whose buffer holds `capacity` bytes without reallocating.
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func write(_ value: UInt8) { bytes.append(value) }
    mutating func write(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func write(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func write(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    /// A Double as its IEEE-754 bit pattern.
    mutating func write(_ value: Double) { write(value.bitPattern) }
    /// Raw bytes (magic, seeds).
    mutating func write(bytes raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Residues as 8-byte little-endian words. Cost: one memcpy on little-endian hosts.
    mutating func write(words: [UInt64]) {
        #if _endian(little)
        words.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for w in words { write(w) }
        #endif
    }

    var data: Data { Data(bytes) }
}
