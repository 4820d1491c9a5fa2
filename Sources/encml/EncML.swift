import ArgumentParser

/// The `encml` command: train, convert and run encrypted inference.
@main
struct EncML: AsyncParsableCommand {
    /// The version `encml --version` prints.
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "encml",
        abstract: "Machine-learning inference on CKKS-encrypted data.",
        version: version,
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, SplitCommand.self, ConvertCommand.self, ImportCommand.self,
            Bench.self,
            KeygenCommand.self,
            EncryptCommand.self,
            InferCommand.self,
            DecryptCommand.self,
            DemoCommand.self,
            ServeCommand.self,
            QueryCommand.self,
            CollabCommand.self,
        ]
    )
}
