import EncryptedML
import EncryptedMLService
import Foundation
import Models
import Plaintext
import Testing

/// A logistic regression trained on breast_cancer and converted once for the suite, with a
/// client holding a secret key and both key sets (single-query keys, batch-only keys).
final class ServiceFixture: Sendable {
    let model: EncryptedModel
    let client: InferenceClient
    let secretKey: CKKSSecretKey
    let singleKeys: Data
    let keySet: UInt64
    let rows: [[Double]]
    let tag: UInt64

    static let shared = try! ServiceFixture()

    private init() throws {
        let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/breast_cancer.csv").path
        let data = try Dataset.load(csv: csv)
        let d = data.featureCount
        rows = (0..<data.count).map { Array(data.features[($0 * d)..<(($0 + 1) * d)]) }
        let trained = try Trainer.train(data, kind: .logistic)
        model = try ModelConverter.convert(trained, calibration: CalibrationSet(rows: rows, labels: data.labels, source: csv)).model
        client = try InferenceClient(model: model)
        secretKey = client.generateSecretKey()
        tag = try EncMLFormat.modelTag(for: model)
        keySet = EncMLFormat.newKeySet()
        singleKeys = try client.generateEvaluationKeys(secretKey: secretKey, modes: [.single])
            .serialized(context: client.context, modelTag: tag, keySet: keySet)
    }

    /// A fresh key pair (a new secret key, its evaluation keys serialized, its key set).
    func freshKeys() throws -> (CKKSSecretKey, Data, UInt64) {
        let sk = client.generateSecretKey()
        let keySet = EncMLFormat.newKeySet()
        return (sk, try client.generateEvaluationKeys(secretKey: sk).serialized(context: client.context, modelTag: tag, keySet: keySet), keySet)
    }

    func query(_ rows: [[Double]], mode: PackingMode = .single, secretKey: CKKSSecretKey? = nil, keySet: UInt64? = nil) throws -> Data {
        let q = try client.encrypt(rows: rows, mode: mode, secretKey: secretKey ?? self.secretKey)
        return try CiphertextBundle(role: .query, mode: mode, rowCount: q.rowCount, width: model.featureCount, ciphertexts: q.ciphertexts,
                                    keySet: keySet ?? self.keySet)
            .serialized(context: client.context, modelTag: tag)
    }

    /// Decrypts a serialized result and checks every label against the plaintext polynomial model.
    func expectAgreement(_ result: Data, rows: [[Double]], secretKey: CKKSSecretKey? = nil) throws {
        let bundle = try CiphertextBundle.deserialize(result, context: client.context, modelTag: tag, role: .result)
        let predictions = try client.decrypt(EncryptedResult(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts),
                                             secretKey: secretKey ?? self.secretKey)
        #expect(predictions.map(\.classIndex) == rows.map(model.predictClass(raw:)))
        var worst = 0.0
        for (p, row) in zip(predictions, rows) {
            for (a, b) in zip(p.probabilities, model.probabilities(raw: row)) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst < 1e-3, "max probability error \(worst)")
    }
}

@Suite struct InferenceServiceTests {
    let f = ServiceFixture.shared

    @Test func registeredKeysAnswerConcurrentQueriesLikeThePlaintextPolynomialModel() async throws {
        let service = try EncryptedInferenceService(model: f.model)
        let id = try service.registerEvaluationKeys(f.singleKeys)
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
        #expect(try service.registerEvaluationKeys(f.singleKeys) == id, "the same keys get the same id and are held once")
        #expect(service.registry.statistics.clients == 1)
        let slices = (0..<4).map { Array(f.rows[($0 * 5)..<($0 * 5 + 5)]) }
        let queries = try slices.map { try f.query($0) }
        let results = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
            for (i, q) in queries.enumerated() {
                group.addTask { (i, try service.infer(clientID: id, query: q)) }
            }
            var out = [Data](repeating: Data(), count: queries.count)
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for (result, rows) in zip(results, slices) { try f.expectAgreement(result, rows: rows) }
        let metrics = service.prometheusMetrics()
        #expect(metrics.contains("encml_inferred_rows_total 20"))
        #expect(metrics.contains("encml_key_uploads_total 2"))
        #expect(metrics.contains("encml_inference_duration_seconds_count 4"))
    }

    @Test func limitsAndBadBytesAreRefusedWithTheirStatus() throws {
        let query = try f.query(Array(f.rows[0..<3]))
        let tight = try EncryptedInferenceService(
            model: f.model, limits: ServiceLimits(maxKeyBytes: f.singleKeys.count, maxQueryBytes: query.count, maxCiphertextsPerQuery: 2))
        #expect(throws: ServiceError.bodyTooLarge(what: "the evaluation keys", size: f.singleKeys.count + 1, limit: f.singleKeys.count)) {
            try tight.registerEvaluationKeys(f.singleKeys + Data([0]))
        }
        let id = try tight.registerEvaluationKeys(f.singleKeys)
        #expect(throws: ServiceError.tooManyCiphertexts(count: 3, limit: 2)) { try tight.infer(clientID: id, query: query) }
        #expect(throws: ServiceError.bodyTooLarge(what: "the query", size: query.count + 1, limit: query.count)) {
            try tight.infer(clientID: id, query: query + Data([0]))
        }
        #expect(throws: ServiceError.unknownClient(id: "feed")) { try tight.infer(clientID: "feed", query: query) }

        func status(_ body: () throws -> Void) -> Int? {
            do { try body(); return nil } catch let error as ServiceError { return error.statusCode } catch { return -1 }
        }
        #expect(status { _ = try tight.infer(clientID: id, query: query.prefix(query.count / 3)) } == 400, "truncated")
        #expect(status { _ = try tight.infer(clientID: id, query: Data(repeating: 7, count: 1000)) } == 400, "random bytes")
        #expect(status { _ = try tight.registerEvaluationKeys(Data(f.singleKeys.prefix(100))) } == 400, "truncated keys")
        var otherModel = f.singleKeys
        otherModel[16] ^= 1  // model tag
        #expect(status { _ = try tight.registerEvaluationKeys(otherModel) } == 409, "keys of another model")
        var otherQuery = query
        otherQuery[16] ^= 1
        #expect(status { _ = try tight.infer(clientID: id, query: otherQuery) } == 409, "query of another model")
        let resultAsQuery = try CiphertextBundle.deserialize(query, context: f.client.context, modelTag: f.tag)
        var wrongRole = resultAsQuery
        wrongRole.role = .result
        let wrongRoleBytes = try wrongRole.serialized(context: f.client.context, modelTag: f.tag)
        #expect(status { _ = try tight.infer(clientID: id, query: wrongRoleBytes) } == 400, "a result sent as a query")
        // Still serving after every refusal.
        let two = Array(f.rows[3..<5])
        try f.expectAgreement(try tight.infer(clientID: id, query: try f.query(two)), rows: two)
    }

    @Test func theLeastRecentlyUsedClientIsEvictedBeyondTheLimit() throws {
        let service = try EncryptedInferenceService(model: f.model, limits: ServiceLimits(maxRegisteredClients: 2))
        let clients = try (0..<3).map { _ in try f.freshKeys() }
        let a = try service.registerEvaluationKeys(clients[0].1)
        let b = try service.registerEvaluationKeys(clients[1].1)
        let rows = Array(f.rows[10..<14])
        // Using a makes b the least recently used one.
        try f.expectAgreement(try service.infer(clientID: a, query: try f.query(rows, mode: .batch, secretKey: clients[0].0, keySet: clients[0].2)),
                              rows: rows, secretKey: clients[0].0)
        let c = try service.registerEvaluationKeys(clients[2].1)
        #expect(service.isRegistered(a) && service.isRegistered(c) && !service.isRegistered(b))
        #expect(service.registry.statistics.clients == 2 && service.registry.statistics.evictions == 1)
        #expect(throws: ServiceError.unknownClient(id: b)) {
            try service.infer(clientID: b, query: try f.query(rows, mode: .batch, secretKey: clients[1].0, keySet: clients[1].2))
        }
        #expect(service.prometheusMetrics().contains("encml_key_evictions_total 1"))
    }

    @Test func keysWithOtherRotationsThanTheModelsAreRefusedBeforeDecoding() throws {
        let service = try EncryptedInferenceService(model: f.model)
        let sk = f.client.generateSecretKey()
        // Batch-only keys (no rotation) and keys with one extra rotation: both refused, neither held.
        let batchOnly = try f.client.generateEvaluationKeys(secretKey: sk, modes: [.batch]).serialized(context: f.client.context, modelTag: f.tag)
        #expect(throws: ServiceError.wrongKeySize(size: batchOnly.count, expected: service.evaluationKeyBytes)) {
            try service.registerEvaluationKeys(batchOnly)
        }
        let extra = (service.requiredRotations.max() ?? 0) + 1
        let padded = try f.client.context.generateEvaluationKeys(secretKey: sk, rotations: service.requiredRotations + [extra])
            .serialized(context: f.client.context, modelTag: f.tag)
        #expect(throws: ServiceError.wrongKeySize(size: padded.count, expected: service.evaluationKeyBytes)) {
            try service.registerEvaluationKeys(padded)
        }
        // Same size, other steps: refused from the step list, before any key is decoded.
        if let first = service.requiredRotations.first {
            let shifted = try f.client.context.generateEvaluationKeys(
                secretKey: sk, rotations: [first + 1000] + service.requiredRotations.dropFirst())
                .serialized(context: f.client.context, modelTag: f.tag)
            #expect(shifted.count == service.evaluationKeyBytes)
            do {
                _ = try service.registerEvaluationKeys(shifted)
                Issue.record("keys with another rotation set were accepted")
            } catch {
                #expect(error.statusCode == 400 && error.description.contains("needs exactly"), "\(error)")
            }
        }
        #expect(service.registry.statistics.clients == 0)
        #expect(service.modelDescription.evaluationKeyBytes == f.singleKeys.count)
    }

    @Test func theKeyMemoryBudgetBoundsTheRegistryAndIsReportedInMemoryBytes() throws {
        let probe = try EncryptedInferenceService(model: f.model)
        let perKey = probe.evaluationKeyMemoryBytes
        // Words unpacked to 64 bits and a_j expanded from its seed, without Shoup companions.
        #expect(perKey > 2 * f.singleKeys.count && perKey < 3 * f.singleKeys.count,
                "deserialized keys take 2–3× their upload size")
        // Room for two key sets: the third evicts the least recently used one.
        let service = try EncryptedInferenceService(model: f.model, limits: ServiceLimits(maxKeyMemoryBytes: 2 * perKey + perKey / 2))
        let clients = try (0..<3).map { _ in try f.freshKeys() }
        for client in clients { _ = try service.registerEvaluationKeys(client.1) }
        let stats = service.registry.statistics
        #expect(stats.clients == 2 && stats.evictions == 1 && stats.memoryBytes == 2 * perKey)
        #expect(service.prometheusMetrics().contains("encml_registered_key_memory_bytes \(2 * perKey)"))
        // A budget below one key set refuses the upload (413) instead of holding it.
        let tiny = try EncryptedInferenceService(model: f.model, limits: ServiceLimits(maxKeyMemoryBytes: perKey - 1))
        #expect(throws: ServiceError.keyQuotaExceeded(need: perKey, quota: perKey - 1)) { try tiny.registerEvaluationKeys(f.singleKeys) }
    }

    @Test func evictionStaysWithinTheUploadersQuota() throws {
        let probe = try EncryptedInferenceService(model: f.model)
        let perKey = probe.evaluationKeyMemoryBytes
        // Two owners, room for two key sets each.
        let service = try EncryptedInferenceService(model: f.model, limits: ServiceLimits(maxKeyMemoryBytes: 4 * perKey), owners: 2)
        let honest = try service.registerEvaluationKeys(f.singleKeys, owner: "token-honest")
        for _ in 0..<4 { _ = try service.registerEvaluationKeys(try f.freshKeys().1, owner: "token-flood") }
        #expect(service.isRegistered(honest, owner: "token-honest"), "another token's uploads never evict these keys")
        #expect(!service.isRegistered(honest, owner: "token-flood"), "keys are registered under their uploader only")
        #expect(throws: ServiceError.unknownClient(id: honest)) {
            try service.infer(clientID: honest, owner: "token-flood", query: try f.query(Array(f.rows[0..<1])))
        }
        #expect(service.registry.statistics.clients == 3 && service.registry.statistics.evictions == 2)
        try f.expectAgreement(try service.infer(clientID: honest, owner: "token-honest", query: try f.query(Array(f.rows[0..<2]))),
                              rows: Array(f.rows[0..<2]))
    }

    @Test func aQueryOfAnotherKeySetIsRefusedNotAnsweredWithGarbage() throws {
        let service = try EncryptedInferenceService(model: f.model)
        let id = try service.registerEvaluationKeys(f.singleKeys)
        let (otherSecretKey, _, otherKeySet) = try f.freshKeys()
        let foreign = try f.query(Array(f.rows[0..<2]), secretKey: otherSecretKey, keySet: otherKeySet)
        #expect(throws: ServiceError.keySetMismatch(query: EncMLFormat.keySetName(otherKeySet), keys: EncMLFormat.keySetName(f.keySet))) {
            try service.infer(clientID: id, query: foreign)
        }
        #expect(ServiceError.keySetMismatch(query: "a", keys: "b").statusCode == 409)
    }

    @Test func theExecutorRefusesBeyondItsQueueInsteadOfQueueingWithoutBound() async throws {
        let executor = InferenceExecutor(workers: 1, queueLimit: 1)
        defer { executor.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let running = Task { try await executor.run { () throws(ServiceError) -> Int in gate.wait(); return 1 } }
        let queued = Task { try await executor.run { () throws(ServiceError) -> Int in 2 } }
        for _ in 0..<500 where executor.load != (1, 1) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(executor.load == (1, 1))
        await #expect(throws: ServiceError.overloaded(retryAfterSeconds: 1)) {
            try await executor.run { () throws(ServiceError) -> Int in 3 }
        }
        gate.signal()
        #expect(try await running.value == 1)
        #expect(try await queued.value == 2)
    }
}
