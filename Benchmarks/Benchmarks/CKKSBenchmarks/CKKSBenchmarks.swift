// package-benchmark suite for the CKKS layer: NTT, key switching pieces and every primitive
// at N=8192 (Q=60+40+40, P=60), single thread.
// Run from Benchmarks/:
//   swift package --allow-writing-to-package-directory benchmark --target CKKSBenchmarks
// (add `-Xswiftc -target-cpu -Xswiftc native` through SWIFTPM flags as in the README; the
// side-by-side comparison with SEAL and OpenFHE is peers/ckks_peers.py.)
import Benchmark
import EncryptedML

/// Keys, operands and plaintexts built once for all benchmarks.
final class CKKSWorkload: Sendable {
    let context: CKKSContext
    let secretKey: CKKSSecretKey
    let publicKey: CKKSPublicKey
    let keys: CKKSEvaluationKeys
    let x: [Double]
    let a: CKKSCiphertext
    let b: CKKSCiphertext
    let plaintext: CKKSPlaintext
    let tables: NTTTables

    init(_ parameters: CKKSParameters) throws {
        context = try CKKSContext(parameters: parameters)
        secretKey = context.generateSecretKey()
        publicKey = try context.generatePublicKey(secretKey: secretKey)
        keys = try context.generateEvaluationKeys(secretKey: secretKey, rotations: [1, 2, 4, 8])
        x = (0..<context.slotCount).map { Double($0 % 17) / 17 - 0.5 }
        a = try context.encrypt(x, publicKey: publicKey)
        b = try context.encrypt(x.reversed(), publicKey: publicKey)
        plaintext = try context.encode(x)
        tables = try NTTTables(modulus: context.ciphertextModuli[0], degree: context.degree)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(3), maxIterations: 500)
    AllocatorTuning.keepLargeBuffersInTheHeap()
    let w = try! CKKSWorkload(.n8192Depth2)

    Benchmark("NTT forward N=8192 (60-bit prime)") { benchmark in
        var buffer = (0..<w.context.degree).map { UInt64($0) }
        for _ in benchmark.scaledIterations {
            buffer.withUnsafeMutableBufferPointer { w.tables.forward($0.baseAddress!) }
            blackHole(buffer[0])
        }
    }
    Benchmark("NTT inverse N=8192 (60-bit prime)") { benchmark in
        var buffer = (0..<w.context.degree).map { UInt64($0) }
        for _ in benchmark.scaledIterations {
            buffer.withUnsafeMutableBufferPointer { w.tables.inverse($0.baseAddress!) }
            blackHole(buffer[0])
        }
    }
    Benchmark("Key switching: decomposition (ModUp) of one component") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.decompose(w.a)) }
    }
    Benchmark("Key switching: hoisted rotation from a decomposition") { benchmark in
        let d = try w.context.decompose(w.a)
        for _ in benchmark.scaledIterations { blackHole(try w.context.rotate(w.a, decomposition: d, by: 1, evaluationKeys: w.keys)) }
    }
    Benchmark("Hoisted rotations by 1, 2, 4, 8") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.rotateHoisted(w.a, by: [1, 2, 4, 8], evaluationKeys: w.keys)) }
    }
    Benchmark("encode + encrypt (public key)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.encrypt(w.x, publicKey: w.publicKey)) }
    }
    Benchmark("encode") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.encode(w.x)) }
    }
    Benchmark("add") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.add(w.a, w.b)) }
    }
    Benchmark("multiply + relinearize + rescale") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.multiply(w.a, w.b, evaluationKeys: w.keys)) }
    }
    Benchmark("multiply by plaintext (no rescale)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.multiplyWithoutRescale(w.a, w.plaintext)) }
    }
    Benchmark("rescale") { benchmark in
        let product = try w.context.multiplyWithoutRescale(w.a, w.plaintext)
        for _ in benchmark.scaledIterations { blackHole(try w.context.rescale(product)) }
    }
    Benchmark("rotate by 1") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.rotate(w.a, by: 1, evaluationKeys: w.keys)) }
    }
    Benchmark("decrypt + decode") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try w.context.decrypt(w.a, secretKey: w.secretKey)) }
    }
}
