import ArgumentParser

/// The `encml` command: train, convert and run encrypted inference.
@main
struct EncML: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encml",
        abstract: "Machine-learning inference on CKKS-encrypted data.",
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
