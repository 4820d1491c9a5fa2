import ArgumentParser
import EncryptedML
import Models

/// `--model MODEL.he.json`, shared by the commands that work on a converted model.
struct ConvertedModelOption: ParsableArguments {
    @Option(help: "Converted model (MODEL.he.json from `encml convert`).")
    var model: String
}

/// `--secret-key CLIENT.sk`, shared by the client-side commands.
struct SecretKeyOption: ParsableArguments {
    @Option(name: .customLong("secret-key"), help: "Secret key from `encml keygen`.")
    var secretKey: String
}

/// `--eval-keys CLIENT.evk`, shared by infer and query.
struct EvaluationKeysOption: ParsableArguments {
    @Option(name: .customLong("eval-keys"), help: "Evaluation keys from `encml keygen` (the same run as the secret key).")
    var evalKeys: String
}

/// `--mode single|batch`, shared by encrypt and query.
struct PackingOption: ParsableArguments {
    @Option(help: "Packing: single (one row per ciphertext, lowest latency) or batch (rows across the slots, highest throughput).")
    var mode: PackingMode = .single
}

/// How decrypted outputs are released and printed, shared by decrypt and query.
struct ReleaseOptions: ParsableArguments {
    @Flag(help: "Print one JSON object {\"predictions\", \"probabilities\"} on stdout.")
    var json = false

    @Flag(help: "Add noise flooding at decryption (IND-CPA-D, as OpenFHE's NOISE_FLOODING_DECRYPT) instead of rounding the outputs to the plan's precision; use with a model converted with --shared-results.")
    var flood = false

    @Option(name: .customLong("statistical-bits"), help: "Statistical security parameter of --flood, in bits.")
    var statisticalBits: Int = DecryptionOptions.defaultStatisticalBits

    func validate() throws {
        guard (8...64).contains(statisticalBits) else {
            throw ValidationError("--statistical-bits must be between 8 and 64")
        }
    }

    /// The decryption options these flags select.
    var decryption: DecryptionOptions {
        DecryptionOptions(protection: flood ? .flooding(statisticalBits: statisticalBits) : .rounding)
    }
}
