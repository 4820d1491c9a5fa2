import EncryptedML
import EncryptedMLClient
import EncryptedMLServer
import EncryptedMLService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import Plaintext
import Testing

/// A logistic regression trained on breast_cancer, converted once; its service model and a
/// client key pair.
final class ServerFixture: Sendable {
    let model: EncryptedModel
    let inference: InferenceClient
    let keys: ClientKeys
    let rows: [[Double]]
    let tag: UInt64

    static let shared = try! ServerFixture()

    private init() throws {
        let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/breast_cancer.csv").path
        let data = try Dataset.load(csv: csv)
        let d = data.featureCount
        rows = (0..<data.count).map { Array(data.features[($0 * d)..<(($0 + 1) * d)]) }
        let trained = try Trainer.train(data, kind: .logistic)
        model = try ModelConverter.convert(trained, calibration: CalibrationSet(rows: rows, labels: data.labels, source: csv)).model
        inference = try InferenceClient(model: model)
        keys = try ClientKeys.generate(for: inference)
        tag = try EncMLFormat.modelTag(for: model)
    }

    /// A serialized single-query of `rows` under `keys`.
    func query(_ rows: [[Double]], keys: ClientKeys? = nil) throws -> Data {
        let keys = keys ?? self.keys
        let q = try inference.encrypt(rows: rows, mode: .single, secretKey: keys.secretKey)
        return try CiphertextBundle(role: .query, mode: .single, rowCount: q.rowCount, width: model.featureCount,
                                    ciphertexts: q.ciphertexts, keySet: keys.keySet)
            .serialized(context: inference.context, modelTag: tag)
    }

    /// The plaintext polynomial model's labels of `rows`.
    func labels(_ rows: [[Double]]) -> [String] { rows.map { model.classLabels[model.predictClass(raw: $0)] } }

    /// A service over the fixture's model.
    func service(_ limits: ServiceLimits = ServiceLimits(), owners: Int = 1,
                 store: (any EvaluationKeyStore)? = nil) throws -> EncryptedInferenceService {
        try EncryptedInferenceService(model: model, limits: limits, owners: owners, store: store)
    }
}

/// The application over `service`, quiet logs, bearer tokens `tokens` (nil: no authentication).
func testApplication(_ service: EncryptedInferenceService, tokens: [String]? = [tokenA, tokenB]) throws -> some ApplicationProtocol {
    var authentication = ClientAuthentication.insecureNone
    if let tokens { authentication = .bearerTokens(try BearerTokens(tokens: tokens)) }
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return buildApplication(service: service, configuration: ServerConfiguration(host: "127.0.0.1", port: 0, authentication: authentication),
                            logger: logger)
}

/// The principal (key owner) a token stands for.
func principal(_ token: String) throws -> String {
    try #require(try BearerTokens(tokens: [token]).principal(for: token)).name
}

/// Two 32-character tokens for the tests.
let tokenA = "test-token-a-0123456789abcdef0123"
let tokenB = "test-token-b-0123456789abcdef0123"

/// The client library over Hummingbird's in-process test client (no socket).
struct RouterTransport: HTTPTransport {
    let client: any TestClientProtocol
    var serverName: String { "router" }

    func send(_ exchange: HTTPExchange) async throws -> HTTPReply {
        var headers = HTTPFields()
        for (name, value) in exchange.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let response = try await client.execute(uri: exchange.path, method: HTTPRequest.Method(exchange.method)!,
                                                 headers: headers, body: exchange.body.map { ByteBuffer(bytes: $0) })
        var out: [String: String] = [:]
        for field in response.headers { out[field.name.canonicalName] = field.value }
        return HTTPReply(status: Int(response.status.code), headers: out, body: Data(response.body.readableBytesView))
    }
}
