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

    /// Limb-major residues bit-packed at their modulus width (see `EncMLFormat.residueBytes`):
    /// limb `i`'s N values as one little-endian stream of `q_i.bitWidth`-bit fields, least
    /// significant bit first, so each limb fills `N·w_i/8` whole bytes. Cost: O(N·limbs).
    mutating func write(residues: [UInt64], moduli: [Modulus], degree n: Int) {
        precondition(residues.count == moduli.count * n && n % 8 == 0)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: EncMLFormat.residueBytes(moduli: moduli, degree: n)))
        bytes.withUnsafeMutableBufferPointer { out in
            residues.withUnsafeBufferPointer { src in
                var dst = out.baseAddress! + start
                for (i, m) in moduli.enumerated() {
                    let w = m.bitWidth
                    let limb = src.baseAddress! + i * n
                    // Stream: `acc` holds `filled` < 64 pending bits; full words go out little-endian.
                    var acc: UInt64 = 0
                    var filled = 0
                    for k in 0..<n {
                        let v = limb[k]
                        acc |= v << UInt64(filled)
                        filled += w
                        if filled >= 64 {
                            UnsafeMutableRawPointer(dst).storeBytes(of: acc.littleEndian, as: UInt64.self)
                            dst += 8
                            filled -= 64
                            acc = filled == 0 ? 0 : v >> UInt64(w - filled)
                        }
                    }
                    for b in 0..<(filled >> 3) { dst[b] = UInt8(truncatingIfNeeded: acc >> UInt64(8 * b)) }
                    dst += filled >> 3
                }
            }
        }
    }

    var data: Data { Data(bytes) }
}
