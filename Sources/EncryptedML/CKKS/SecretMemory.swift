#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Overwrites the buffer of `array` with zeros in place — even when other arrays share it —
/// with a write the optimizer cannot drop (`explicit_bzero` / `memset_s`). For secret key
/// material and secret temporaries (ternary `u`, errors, `s²`, `σ(s)`) once they are no longer
/// needed. Cost: one pass over the bytes.
package func secureZero<T>(_ array: [T]) {
    array.withUnsafeBytes { raw in
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        let pointer = UnsafeMutableRawPointer(mutating: base)
        #if canImport(Glibc)
        explicit_bzero(pointer, raw.count)
        #elseif canImport(Darwin)
        _ = memset_s(pointer, raw.count, 0, raw.count)
        #else
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: raw.count)
        #endif
    }
}

/// The storage of a secret key: `s` in evaluation form, its Shoup constants and its signed
/// coefficients. Shared by every copy of the key and zeroed when the last copy is released;
/// it has no description or mirror of its own. The arrays are zeroed in place, including any
/// buffer they share with an array the caller kept: hand it arrays nobody reads afterwards.
final class SecretKeyStorage: Sendable {
    let poly: RNSPolynomial<Evaluation>
    let shoup: [UInt64]
    let coefficients: [Int8]

    init(poly: RNSPolynomial<Evaluation>, shoup: [UInt64], coefficients: [Int8]) {
        self.poly = poly
        self.shoup = shoup
        self.coefficients = coefficients
    }

    deinit {
        secureZero(poly.data)
        secureZero(shoup)
        secureZero(coefficients)
    }
}
