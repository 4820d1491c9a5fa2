import Foundation

/// Reads little-endian fields from an untrusted buffer: every read first checks that the
/// bytes are there, so a short file is a `.truncated` error naming the field, never a crash,
/// and nothing is allocated before the bytes backing it are known to exist.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(_ raw: UnsafeRawBufferPointer, file: String) {
        self.raw = raw
        self.file = file
    }

    /// Bytes not read yet.
    var remaining: Int { raw.count - offset }

    /// Throws `.truncated` unless `count` more bytes exist.
    func require(_ count: Int, for field: String) throws(SerializationError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(file: file, field: field, needed: count, available: remaining)
        }
    }

    mutating func readUInt8(_ field: String) throws(SerializationError) -> UInt8 {
        try require(1, for: field)
        defer { offset += 1 }
        return raw[offset]
    }

    mutating func readUInt16(_ field: String) throws(SerializationError) -> UInt16 {
        try require(2, for: field)
        defer { offset += 2 }
        return UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func readUInt32(_ field: String) throws(SerializationError) -> UInt32 {
        try require(4, for: field)
        defer { offset += 4 }
        return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func readUInt64(_ field: String) throws(SerializationError) -> UInt64 {
        try require(8, for: field)
        defer { offset += 8 }
        return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func readDouble(_ field: String) throws(SerializationError) -> Double {
        Double(bitPattern: try readUInt64(field))
    }

    /// `count` raw bytes (after checking they exist).
    mutating func readBytes(_ count: Int, _ field: String) throws(SerializationError) -> [UInt8] {
        try require(count, for: field)
        defer { offset += count }
        return Array(raw[offset..<(offset + count)])
    }

    /// A reserved field that must be zero.
    mutating func readZero16(_ field: String) throws(SerializationError) {
        let v = try readUInt16(field)
        guard v == 0 else { throw .invalidField(file: file, field: field, reason: "reserved bytes hold \(v), expected 0") }
    }

    /// `moduli.count` limbs of `degree` residues bit-packed at their modulus widths (the
    /// layout of `ByteWriter.write(residues:moduli:degree:)`), limb `i` checked to be below
    /// `moduli[i]`. The byte count is checked before the buffer is allocated.
    /// Cost: O(N·limbs) unpacking and one comparison per residue.
    mutating func readResidues(limbsOf moduli: [Modulus], degree n: Int, _ field: String) throws(SerializationError)
        -> [UInt64]
    {
        let (count, overflow) = moduli.count.multipliedReportingOverflow(by: n)
        guard !overflow, n % 8 == 0 else { throw .invalidField(file: file, field: field, reason: "size overflows") }
        let size = EncMLFormat.residueBytes(moduli: moduli, degree: n)
        try require(size, for: field)
        let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset
        var bad: (limb: Int, index: Int)? = nil
        let words = [UInt64](unsafeUninitializedCapacity: count) { out, initialized in
            var src = UnsafeRawPointer(base)
            for (i, m) in moduli.enumerated() {
                let q = m.value
                let w = m.bitWidth
                let mask: UInt64 = (1 << UInt64(w)) &- 1
                let dst = out.baseAddress! + i * n
                let limbEnd = src + n * w / 8
                // Stream: `acc` holds `available` < 64 unread bits; words are loaded little-endian.
                var acc: UInt64 = 0
                var available = 0
                var above: UInt64 = 0
                for k in 0..<n {
                    var v: UInt64
                    if available >= w {
                        v = acc
                        acc = w == 64 ? 0 : acc >> UInt64(w)
                        available -= w
                    } else {
                        let left = limbEnd - src
                        var next: UInt64 = 0
                        if left >= 8 {
                            next = UInt64(littleEndian: src.loadUnaligned(as: UInt64.self))
                            src += 8
                        } else {
                            for b in 0..<left { next |= UInt64(src.load(fromByteOffset: b, as: UInt8.self)) << UInt64(8 * b) }
                            src += left
                        }
                        v = acc | (available == 0 ? next : next << UInt64(available))
                        let used = w - available
                        acc = used == 64 ? 0 : next >> UInt64(used)
                        available = (left >= 8 ? 64 : 8 * left) - used
                    }
                    v &= mask
                    dst[k] = v
                    above |= v >= q ? 1 : 0
                }
                if above != 0 && bad == nil {
                    bad = (i, (0..<n).first { dst[$0] >= q } ?? 0)
                }
                src = limbEnd
            }
            initialized = count
        }
        if let bad {
            throw .residueOutOfRange(file: file, field: field, limb: bad.limb, index: bad.index,
                                     modulus: moduli[bad.limb].value)
        }
        offset += size
        return words
    }

    /// Throws `.trailingBytes` unless every byte was consumed.
    func finish() throws(SerializationError) {
        guard remaining == 0 else { throw .trailingBytes(file: file, count: remaining) }
    }
}

extension ByteReader {
    /// Runs `body` on a reader over `data` and then requires every byte to be consumed.
    /// Errors cross `Data.withUnsafeBytes` as a `Result` so they stay typed.
    static func parse<R>(_ data: Data, file: String, _ body: (inout ByteReader) throws(SerializationError) -> R)
        throws(SerializationError) -> R
    {
        let result: Result<R, SerializationError> = data.withUnsafeBytes { raw in
            var reader = ByteReader(raw, file: file)
            do throws(SerializationError) {
                let value = try body(&reader)
                try reader.finish()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
