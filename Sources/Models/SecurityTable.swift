/// The HomomorphicEncryption.org standard's 128-bit classical security bounds
/// for ternary secrets: the largest `log2(Q·P)` allowed for each ring degree.
///
/// Shared by the converter (which picks parameters) and the CKKS layer (which
/// validates them), so the two can never disagree.
public enum SecurityTable {
    /// `(N, max log2 QP)` pairs at 128-bit classical security, N = 2^10 … 2^16.
    public static let maxLogQP128: [(polyDegree: Int, maxLogQP: Int)] = [
        (1024, 27), (2048, 54), (4096, 109), (8192, 218), (16384, 438), (32768, 881), (65536, 1772),
    ]

    /// The largest total modulus size in bits for `polyDegree` at 128-bit security, or nil
    /// for a degree outside the table.
    public static func maxLogQP(polyDegree: Int) -> Int? {
        maxLogQP128.first { $0.polyDegree == polyDegree }?.maxLogQP
    }

    /// The smallest ring degree (≥ `minimumDegree`) whose bound admits `logQP` bits, or nil.
    public static func smallestPolyDegree(forLogQP logQP: Int, minimumDegree: Int = 1024) -> Int? {
        maxLogQP128.first { $0.polyDegree >= minimumDegree && $0.maxLogQP >= logQP }?.polyDegree
    }
}
