import ArgumentParser
import EncryptedMLCollaboration
import Foundation
import Logging
import Models

/// `encml collab serve`: the coordinator of one session.
extension CollaborationCoordinator.Misbehaviour: ExpressibleByArgument {}
extension Aggregation: ExpressibleByArgument {}

struct CollabServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Coordinate one collaboration session: admit N parties, relay signed messages, add ciphertexts.",
        discussion: """
        Prints {"listening": URL} on stdout once bound (--port 0 picks a free port). The session \
        ends after the last round (or after the joint statistics when the parties joined with \
        collab stats); --out then receives the joint model, identical to every party's. A step \
        not completed by every party within --timeout seconds fails the session everywhere.
        """
    )

    /// Evaluation budgets of gradient aggregation per model kind.
    static let defaultGradientRounds: [ModelKind: Int] = [.logistic: 100, .mlp: 200]

    @Option(help: "Number of parties N (N-out-of-N).")
    var parties: Int

    @Option(help: "What the parties contribute each round: the gradient of their rows at the joint model (every peer takes the same L-BFGS step: the pooled model), or their locally trained model (federated averaging).")
    var aggregation: Aggregation = .gradient

    @Option(help: "Rounds. Gradient aggregation: objective evaluations, at most (default \(CollabServeCommand.defaultGradientRounds[.logistic]!) for logistic, \(CollabServeCommand.defaultGradientRounds[.mlp]!) for mlp; the session ends sooner once converged). Federated averaging: rounds of local training (default 30).")
    var rounds: Int?

    @Option(help: "Model kind.")
    var model: ModelKind = .logistic

    @Option(help: "MLP hidden layer widths, comma-separated.")
    var hidden: String = "32"

    @Option(help: "MLP hidden activation.")
    var activation: ActivationKind = .relu

    @Option(name: .customLong("local-epochs"),
            help: "Federated averaging: local epochs per round (L-BFGS iterations for logistic). Default: 2 for logistic, 20 for mlp.")
    var localEpochs: Int?

    @Option(help: "Seconds a step may wait for a party before the session fails.")
    var timeout: Double = 60

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port).")
    var port: Int = 8090

    @Option(help: "Where to write the joint model (JSON).")
    var out: String?

    @Option(name: .customLong("test-misbehave"), help: .hidden)
    var testMisbehave: CollaborationCoordinator.Misbehaviour?

    func run() async throws {
        guard (0...65535).contains(port) else {
            throw CLIError.invalidValue(option: "--port", value: "\(port)", expected: "a port number in 0...65535")
        }
        let kind = model
        let training = TrainingConfiguration(
            rounds: rounds ?? (aggregation == .gradient ? Self.defaultGradientRounds[kind]! : 30), model: kind,
            hidden: try parseHidden(hidden),
            activation: activation,
            localEpochs: localEpochs ?? (kind == .logistic ? 2 : 20),
            aggregation: aggregation)
        let misbehaviour = testMisbehave
        let coordinator = try CollaborationCoordinator(parties: parties, training: training, timeout: timeout,
                                                       misbehaviour: misbehaviour)
        var logger = Logger(label: "encml.collab")
        logger.logLevel = .warning
        let host = self.host
        let outcome = try await CoordinatorServer(coordinator: coordinator, host: host, port: port)
            .run(logger: logger) { bound in
                let line = "{\"listening\":\"http://\(host):\(bound)\"}\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        switch outcome {
        case let .model(model, _):
            if let out { try model.save(to: out) }
        case let .statistics(stats):
            if let out {
                let data = try JSONSerialization.data(withJSONObject: stats.jsonObject, options: [.sortedKeys, .prettyPrinted])
                try data.write(to: URL(fileURLWithPath: out))
            }
        }
        if standardErrorIsTTY {
            for line in await coordinator.log { printToStandardError(line) }
        }
    }
}
