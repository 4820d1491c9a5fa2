import ArgumentParser
import EncryptedML
import EncryptedMLClient
import Foundation
import Models

/// `encml query`: the client side over HTTP (`EncryptedMLClient`): encrypt rows, send them
/// to `encml serve`, decrypt the answer. The evaluation keys are uploaded once per server
/// (id cached beside them).
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Encrypt rows, have an encml server infer on them, decrypt the predictions (client side).",
        discussion: """
        Checks that the server serves the same model (GET /v1/model), uploads the evaluation keys \
        unless this server already holds them (the id is cached in CLIENT.evk.servers.json; a 404 \
        re-uploads once), sends the encrypted rows (in several requests beyond the server's limits, \
        waiting when the server answers 503) and prints the same output as encml decrypt. The secret key never leaves this machine.
        """
    )

    @Option(help: "Server base URL, e.g. http://127.0.0.1:8080; several replicas sharing a key store separated by commas (an unreachable one is skipped).")
    var server: String

    @OptionGroup var modelOption: ConvertedModelOption
    @OptionGroup var secretKeyOption: SecretKeyOption
    @OptionGroup var evaluationKeysOption: EvaluationKeysOption

    @Option(help: "Rows to classify (CSV with the model's feature columns).")
    var data: String

    @OptionGroup var packing: PackingOption

    @Option(name: .customLong("token-file"), help: "File whose first line is the bearer token the server accepts (encml serve --tokens).")
    var tokenFile: String?

    @OptionGroup var release: ReleaseOptions

    func run() async throws {
        let session = try ModelSession(path: modelOption.model)
        let (sk, keySet) = try session.readSecretKey(secretKeyOption.secretKey)
        let evalKeysPath = evaluationKeysOption.evalKeys
        let keyBytes = try readEncMLFile(evalKeysPath, kind: .evaluationKeys, session: session) { _ in
            CKKSEvaluationKeys.serializedSize(context: session.context, rotationCount: session.requiredRotations.count)
        }
        try EncMLFormat.checkHeader(keyBytes, kind: .evaluationKeys, context: session.context, modelTag: session.tag,
                                    keySet: keySet, file: evalKeysPath)
        let rows = try session.readRows(data)
        let servers = server.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let client = try EncryptedMLClient(servers: servers, model: session.model, token: try readToken(),
                                           keyIDs: KeyIDFileStore(path: evalKeysPath + ".servers.json"))
        let keys = ClientKeys(secretKey: sk, keySet: keySet, evaluationKeyBytes: keyBytes)
        let predictions = try await client.predict(rows, mode: packing.mode, keys: keys, decryption: release.decryption)
        DecryptCommand.print(predictions, json: release.json)
    }

    /// The token of `--token-file` (first non-empty line), nil without the option.
    func readToken() throws -> String? {
        guard let tokenFile else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: tokenFile, encoding: .utf8)
        } catch {
            throw CLIError.invalidValue(option: "--token-file", value: tokenFile, expected: "a readable file holding the token (\(error.localizedDescription))")
        }
        guard let token = text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty && !$0.hasPrefix("#") }) else {
            throw CLIError.invalidValue(option: "--token-file", value: tokenFile, expected: "a file whose first line is the token")
        }
        return token
    }
}
