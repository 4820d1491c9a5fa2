import Foundation
import Models
import Testing

/// FNV-1a 64 over bytes, written independently of `WeightFingerprint`.
private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 14_695_981_039_346_656_037
    for b in bytes { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
    return h
}

private func converted() throws -> EncryptedModel {
    let model = try Synthetic.model(widths: [6, 8, 3], activation: Activation(.sigmoid), classes: 3, seed: 9)
    return try ModelConverter.convert(model, calibration: Synthetic.calibration(for: model, rows: 100, seed: 10)).model
}

@Test func fingerprintIsFNV1aOverLittleEndianWords() {
    #expect(fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)  // published test vector
    var h = WeightFingerprint()
    h.update([1.5, -2])
    var bytes: [UInt8] = []
    for word in [UInt64(2), 1.5.bitPattern, (-2.0).bitPattern] { for i in 0..<8 { bytes.append(UInt8((word >> (8 * UInt64(i))) & 0xff)) } }
    #expect(h.value == fnv1a(bytes))
    #expect(h.hex.count == 16)
}

@Test func convertedModelRoundTripsThroughJSON() throws {
    let model = try converted()
    let decoded = try EncryptedModel.decode(try model.encoded(), file: "m.he.json")
    #expect(decoded == model)
    #expect(decoded.weightsFingerprint == model.computedFingerprint())
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("encml-\(UUID().uuidString).he.json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try model.save(to: path)
    #expect(try EncryptedModel.load(from: path) == model)
}

@Test func wrongVersionOrFormatIsRefused() throws {
    let json = String(decoding: try converted().encoded(), as: UTF8.self)
    #expect(throws: ModelError.unsupportedVersion(file: "m.he.json", found: 3, supported: EncryptedModel.currentVersion)) {
        try EncryptedModel.decode(Data(json.replacingOccurrences(of: "\"version\" : \(EncryptedModel.currentVersion)", with: "\"version\" : 3").utf8), file: "m.he.json")
    }
    let trained = try Synthetic.model(widths: [6, 8, 3], activation: Activation(.relu), classes: 3, seed: 1)
    do {
        _ = try EncryptedModel.decode(try trained.encoded(), file: "model.json")
        Issue.record("a trained model is not a converted one")
    } catch {
        #expect("\(error)".contains("encml convert"))
    }
    #expect(throws: ModelError.self) { try EncryptedModel.decode(Data("[1,2]".utf8), file: "x") }
    #expect(throws: ModelError.self) { try EncryptedModel.load(from: "/nonexistent/m.he.json") }
}

@Test func tamperedWeightsOrPlansAreRefused() throws {
    var model = try converted()
    model.layers[1].weights[0] += 1e-9
    do {
        _ = try EncryptedModel.decode(try model.encoded(), file: "t.he.json")
        Issue.record("a modified weight must be detected")
    } catch {
        #expect("\(error)".contains("fingerprint"))
    }
    var plan = try converted()
    plan.plan.parameters.polyDegree = 4096  // log QP now above the bound for this N
    #expect(throws: ModelError.self) { try EncryptedModel.decode(try plan.encoded(), file: "p.he.json") }
    var shallow = try converted()
    shallow.plan.depth -= 1
    #expect(throws: ModelError.self) { try EncryptedModel.decode(try shallow.encoded(), file: "p.he.json") }
}

@Test func convertedModelCarriesEverythingTheRuntimeNeeds() throws {
    let model = try converted()
    #expect(model.featureNames == (0..<6).map { "f\($0)" })
    #expect(model.classLabels == ["c0", "c1", "c2"])
    #expect(model.decoding == .clientSoftmax)
    #expect(model.layers.count == 2 && model.activations.count == 1)
    #expect(model.activations[0].series.coefficients.count == model.activations[0].degree + 1)
    #expect(model.plan.steps.map(\.operation) == [.linear, .activation, .linear])
    #expect(!model.plan.single.rotations.isEmpty)
    #expect(model.plan.parameters.ciphertextModulusBits.count == model.plan.depth + 1)
    // Probabilities from outputs as the client computes them.
    let p = model.probabilities(outputs: [1, 2, 3])
    #expect(abs(p.reduce(0, +) - 1) < 1e-12 && p[2] > p[1])
}

@Test func modelFileRecognisesBothKindsAndPredictsWithThePolynomialModel() throws {
    let trained = try Synthetic.model(widths: [6, 8, 3], activation: Activation(.sigmoid), classes: 3, seed: 9)
    let calibration = Synthetic.calibration(for: trained, rows: 100, seed: 10)
    let converted = try ModelConverter.convert(trained, calibration: calibration).model
    guard case .trained = try ModelFile.decode(try trained.encoded(), file: "m.json") else {
        Issue.record("a trained model file"); return
    }
    let file = try ModelFile.decode(try converted.encoded(), file: "m.he.json")
    guard case .converted = file else { Issue.record("a converted model file"); return }
    #expect(file.kindDescription == "converted mlp (polynomial)")
    #expect(file.featureNames == trained.featureNames && file.classLabels == trained.classLabels && file.targetName == "y")
    for row in calibration.rows {
        #expect(file.predictClass(raw: row) == converted.predictClass(raw: row))
        #expect(file.probabilities(raw: row) == converted.probabilities(raw: row))
    }
    #expect(throws: ModelError.self) { try ModelFile.decode(Data("{\"format\":\"other\"}".utf8), file: "x.json") }
}

@Test func fingerprintCoversNamesLabelsAndPlan() throws {
    let model = try converted()
    var swapped = model
    swapped.classLabels.swapAt(0, 1)  // would silently flip decrypted labels
    var renamed = model
    renamed.featureNames[0] = "other"
    var replanned = model
    replanned.plan.single.layers[0].rotations.append(63)
    replanned.plan.single.rotations.append(63)  // an extra key the weights never use
    for (name, tampered) in [("labels", swapped), ("features", renamed), ("plan", replanned)] {
        #expect(tampered.computedFingerprint() != model.weightsFingerprint, "\(name)")
        #expect(throws: ModelError.self, "\(name)") { try EncryptedModel.decode(try tampered.encoded(), file: "t.he.json") }
    }
}

@Test func planWithABlockBelowALayerWidthIsAnErrorNotACrash() throws {
    var model = try converted()
    model.plan.single.blockSize = 4  // layer 0 reads 6 and writes 8
    model.plan.single.giantSteps = 2
    model.plan.single.babySteps = 2
    model.plan.single.replicas = model.plan.single.slotCount / 4
    model.weightsFingerprint = model.computedFingerprint()  // even with a matching fingerprint
    do {
        try model.validate()
        Issue.record("a block below a layer's width must be refused")
    } catch let ModelError.invalid(reason) {
        #expect(reason.contains("block size 4 is below layer 0"))
    }
    var packing = try converted()
    packing.plan.single.layers[1].span = 1
    packing.weightsFingerprint = packing.computedFingerprint()
    #expect(throws: ModelError.self) { try packing.validate() }
}

@Test func polyActivationWithAMillionCoefficientsIsRefusedBeforeTheFit() throws {
    let base = try Synthetic.model(widths: [6, 8, 3], activation: Activation(.square), classes: 3, seed: 4)
    var model = base
    model.activations[0] = Activation(.poly, coefficients: [Double](repeating: 0.5, count: 1_000_000))
    // Before the fix this call ran an O(d²) interpolation (about 10^12 operations): a hang.
    do {
        _ = try ModelConverter.convert(model, calibration: Synthetic.calibration(for: base, rows: 50, seed: 5))
        Issue.record("a degree-999999 activation must be refused")
    } catch let ModelError.invalid(reason) {
        #expect(reason.contains("1000000 coefficients"))
    }
    #expect(throws: ConversionError.invalidDegree(999_999)) {
        try PolynomialApproximation.fit(.poly, sourceCoefficients: model.activations[0].coefficients,
                                        on: Interval(-1, 1))
    }
}
