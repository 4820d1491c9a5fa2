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

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        do {
            var primitives: [String: [String: Double]] = [:]
            let wanted = sets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            for name in wanted {
                guard let parameters = BenchPrimitives.parameterSets[name] else {
                    throw ValidationError("unknown parameter set '\(name)'; use n8192 or n16384")
                }
                primitives[name] = try BenchPrimitives.measure(parameters, repetitions: repetitions)
            }
            let report = BenchReport(threads: 1, primitives: primitives)
            if json {
                print(report.jsonText())
            } else {
                print(report.table())
            }
        } catch let error as EncryptedMLError {
            FileHandle.standardError.write(Data("encml bench: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// The measured figures, printed as the JSON object of DESIGN.md or as a table.
struct BenchReport {
    var threads: Int
    var primitives: [String: [String: Double]]

    func jsonText() -> String {
        var object: [String: Any] = ["threads": threads]
        object["primitives"] = primitives.mapValues { $0 as [String: Any] }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func table() -> String {
        var lines = ["CKKS primitives, median ms, single thread"]
        for set in primitives.keys.sorted() {
            lines.append(set + "  " + (BenchPrimitives.parameterSets[set]?.description ?? ""))
            for (key, value) in primitives[set]!.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + key.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%10.4f", value))
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

    /// Median of `repetitions` timed runs (after one warm-up) in milliseconds.
    static func median(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var samples: [Double] = []
        samples.reserveCapacity(repetitions)
        let clock = ContinuousClock()
        for _ in 0..<repetitions {
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    static func measure(_ parameters: CKKSParameters, repetitions: Int) throws -> [String: Double] {
        let context = try CKKSContext(parameters: parameters)
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
        result["encode_encrypt_ms"] = try median(repetitions) {
            let ct = try context.encrypt(x, publicKey: publicKey)
            sink += ct.scale
        }
        result["add_ms"] = try median(repetitions) {
            let ct = try context.add(a, b)
            sink += ct.scale
        }
        result["multiply_relin_rescale_ms"] = try median(repetitions) {
            let ct = try context.multiply(a, b, evaluationKeys: keys)
            sink += ct.scale
        }
        // As SEAL's multiply_plain: a pre-encoded plaintext, no rescale.
        result["multiply_plain_ms"] = try median(repetitions) {
            let ct = try context.multiplyWithoutRescale(a, plain)
            sink += ct.scale
        }
        result["rotate_ms"] = try median(repetitions) {
            let ct = try context.rotate(a, by: 1, evaluationKeys: keys)
            sink += ct.scale
        }
        result["decrypt_decode_ms"] = try median(repetitions) {
            let v = try context.decrypt(a, secretKey: secretKey)
            sink += v[0]
        }
        // Extra figures: the kernels behind the primitives.
        result["rescale_ms"] = try median(repetitions) {
            let ct = try context.rescale(context.multiplyWithoutRescale(a, plain))
            sink += ct.scale
        }
        result["decompose_ms"] = try median(repetitions) {
            let d = try context.decompose(a)
            sink += Double(d.digitCount)
        }
        let decomposition = try context.decompose(a)
        result["rotate_hoisted_extra_ms"] = try median(repetitions) {
            let ct = try context.rotate(a, decomposition: decomposition, by: 1, evaluationKeys: keys)
            sink += ct.scale
        }
        let tables = try NTTTables(modulus: context.ciphertextModuli[0], degree: context.degree)
        var buffer = (0..<context.degree).map { UInt64($0) % context.ciphertextModuli[0].value }
        result["ntt_forward_ms"] = median(repetitions * 10) {
            buffer.withUnsafeMutableBufferPointer { tables.forward($0.baseAddress!) }
        }
        result["ntt_inverse_ms"] = median(repetitions * 10) {
            buffer.withUnsafeMutableBufferPointer { tables.inverse($0.baseAddress!) }
        }
        if sink.isNaN { print("") }
        return result
    }
}
