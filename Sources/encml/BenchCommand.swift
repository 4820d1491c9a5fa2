import ArgumentParser
import EncryptedML
import Foundation

/// `encml bench [--json]`: median single-thread timings of the CKKS primitives (DESIGN.md,
/// "Performance") at N=8192 (Q=60+40+40, P=60) and N=16384 (Q=60+5×40, P=60).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the CKKS primitives (median ms, single thread).")

    @Flag(name: .long, help: "Print one JSON object on stdout.")
    var json = false

    @Option(name: .long, help: "Repetitions per operation (median reported).")
    var repetitions: Int = 31

    @Option(name: .long, help: "Comma-separated parameter sets to run: n8192,n16384.")
    var sets: String = "n8192,n16384"

    @Flag(name: .long, help: "Measure thread CPU time instead of wall-clock time (robust on a loaded machine).")
    var cpuTime = false

    @Flag(name: .long, help: "Process independent limbs on all cores (the compared figures are single-threaded).")
    var parallel = false

    @Option(name: .long, help: ArgumentHelp("Run only this primitive (for profilers).", visibility: .hidden))
    var only: String?

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        AllocatorTuning.keepLargeBuffersInTheHeap()
        var primitives: [String: [String: Double]] = [:]
        let wanted = sets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in wanted {
            guard let parameters = BenchPrimitives.parameterSets[name] else {
                throw CLIError.invalidValue(option: "--sets", value: name, expected: "n8192 and/or n16384")
            }
            BenchPrimitives.useCPUTime = cpuTime && !parallel
            BenchPrimitives.parallel = parallel
            primitives[name] = try BenchPrimitives.measure(parameters, repetitions: repetitions, only: only)
        }
        var report = BenchReport(threads: parallel ? ProcessInfo.processInfo.activeProcessorCount : 1,
                                 clock: cpuTime && !parallel ? "thread_cpu" : "wall", primitives: primitives)
        report.inference = try BenchInference.measure(repetitions: max(3, min(repetitions, 11)), only: only)
        print(json ? report.jsonText() : report.table())
    }
}

/// The measured figures, printed as the JSON object of DESIGN.md or as a table.
struct BenchReport {
    var threads: Int
    var clock: String
    var primitives: [String: [String: Double]]
    /// Encrypted inference figures (`Bench+Inference.swift`), nil when not measured.
    var inference: [String: Double]?

    func jsonText() -> String {
        var object: [String: Any] = ["threads": threads, "clock": clock]
        object["primitives"] = primitives.mapValues { $0 as [String: Any] }
        if let inference { object["inference"] = inference }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func table() -> String {
        var lines = ["CKKS primitives, median ms (\(clock) clock), \(threads == 1 ? "single thread" : "\(threads) threads")"]
        for set in primitives.keys.sorted() {
            lines.append(set + "  " + (BenchPrimitives.parameterSets[set]?.description ?? ""))
            for (key, value) in primitives[set]!.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + key.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: key.hasPrefix("precision") ? "%10.1f" : "%10.4f", value))
            }
        }
        if let inference {
            lines.append("inference (server side; ms, or predictions/s)")
            for (key, value) in inference.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + key.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%12.2f", value))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Timing of each primitive with the same parameters the peers use.
enum BenchPrimitives {
    static let parameterSets: [String: CKKSParameters] = [
        "n8192": .n8192Depth2,
        "n16384": .n16384Depth5,
    ]

    /// Whether `median` reads the calling thread's CPU time instead of the wall clock.
    nonisolated(unsafe) static var useCPUTime = false
    /// Whether the measured context processes limbs on several threads.
    nonisolated(unsafe) static var parallel = false

    /// Current time in nanoseconds: wall clock, or the thread's CPU time.
    static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(useCPUTime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Median of `repetitions` timed runs (after one warm-up) in milliseconds.
    static func median(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var samples: [Double] = []
        samples.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            let start = now()
            try body()
            samples.append(Double(now() - start) * 1e-6)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    static func measure(_ parameters: CKKSParameters, repetitions: Int, only: String? = nil) throws -> [String: Double] {
        let context = try CKKSContext(parameters: parameters, parallel: parallel)
        let secretKey = context.generateSecretKey()
        let publicKey = try context.generatePublicKey(secretKey: secretKey)
        let keys = try context.generateEvaluationKeys(secretKey: secretKey, rotations: [1])
        var rng = SystemRandomNumberGenerator()
        let x = (0..<context.slotCount).map { _ in Double.random(in: -1...1, using: &rng) }
        let y = (0..<context.slotCount).map { _ in Double.random(in: -1...1, using: &rng) }
        let a = try context.encrypt(x, publicKey: publicKey)
        let b = try context.encrypt(y, publicKey: publicKey)
        let plain = try context.encode(y)
        var sink = 0.0
        var result: [String: Double] = [:]
        func timed(_ key: String, _ body: () throws -> Void) rethrows {
            if let only, !key.hasPrefix(only) { return }
            result[key] = try median(repetitions, body)
        }
        try timed("encode_encrypt_ms") {
            let ct = try context.encrypt(x, publicKey: publicKey)
            sink += ct.scale
        }
        try timed("add_ms") {
            let ct = try context.add(a, b)
            sink += ct.scale
        }
        try timed("multiply_relin_rescale_ms") {
            let ct = try context.multiply(a, b, evaluationKeys: keys)
            sink += ct.scale
        }
        // As SEAL's multiply_plain: a pre-encoded plaintext, no rescale.
        try timed("multiply_plain_ms") {
            let ct = try context.multiplyWithoutRescale(a, plain)
            sink += ct.scale
        }
        try timed("rotate_ms") {
            let ct = try context.rotate(a, by: 1, evaluationKeys: keys)
            sink += ct.scale
        }
        try timed("decrypt_decode_ms") {
            let v = try context.decrypt(a, secretKey: secretKey)
            sink += v[0]
        }
        // Extra figures: the kernels behind the primitives.
        try timed("rescale_ms") {
            let ct = try context.rescale(context.multiplyWithoutRescale(a, plain))
            sink += ct.scale
        }
        try timed("decompose_ms") {
            let d = try context.decompose(a)
            sink += Double(d.digitCount)
        }
        let decomposition = try context.decompose(a)
        try timed("rotate_hoisted_extra_ms") {
            let ct = try context.rotate(a, decomposition: decomposition, by: 1, evaluationKeys: keys)
            sink += ct.scale
        }
        let tables = try NTTTables(modulus: context.ciphertextModuli[0], degree: context.degree)
        var buffer = (0..<context.degree).map { UInt64($0) % context.ciphertextModuli[0].value }
        timed("ntt_forward_ms") {
            buffer.withUnsafeMutableBufferPointer { tables.forward($0.baseAddress!) }
        }
        timed("ntt_inverse_ms") {
            buffer.withUnsafeMutableBufferPointer { tables.inverse($0.baseAddress!) }
        }
        // The second prime (a scaling prime, below 2^44 in both sets): the floating-point and the
        // integer butterflies timed side by side, and which one this build uses by default.
        let second = try NTTTables(modulus: context.ciphertextModuli[1], degree: context.degree, floatingPoint: true)
        result["ntt_q1_floating_default"] = NTTTables.floatingPointIsFaster ? 1 : 0
        var secondBuffer = (0..<context.degree).map { UInt64($0) % context.ciphertextModuli[1].value }
        timed("ntt_forward_q1_ms") {
            secondBuffer.withUnsafeMutableBufferPointer { second.forwardFloating($0.baseAddress!) }
        }
        timed("ntt_forward_q1_integer_ms") {
            secondBuffer.withUnsafeMutableBufferPointer { second.forwardLazyInteger($0.baseAddress!) }
        }
        timed("ntt_inverse_q1_ms") {
            secondBuffer.withUnsafeMutableBufferPointer { second.inverseFloating($0.baseAddress!) }
        }
        timed("ntt_inverse_q1_integer_ms") {
            secondBuffer.withUnsafeMutableBufferPointer { second.inverseInteger($0.baseAddress!) }
        }
        if only == nil {
            // Precision in bits (−log2 max |decrypted − expected|) of the measured operations.
            func bits(_ ct: CKKSCiphertext, _ expected: [Double]) throws -> Double {
                let got = try context.decrypt(ct, secretKey: secretKey)
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                return -log2(worst)
            }
            result["precision_bits_fresh"] = try bits(a, x)
            result["precision_bits_multiply"] = try bits(context.multiply(a, b, evaluationKeys: keys), zip(x, y).map(*))
            let n = context.slotCount
            result["precision_bits_rotate"] = try bits(context.rotate(a, by: 1, evaluationKeys: keys), (0..<n).map { x[($0 + 1) % n] })
        }
        if sink.isNaN { print("") }
        return result
    }
}
