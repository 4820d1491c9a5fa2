import Foundation
import Models

/// The human-readable `encml convert` report.
struct ConversionText {
    var outcome: ConvertCommand.Outcome
    var modelPath: String
    var outPath: String

    func render() -> String {
        let conversion = outcome.conversion
        let encrypted = conversion.model
        let report = conversion.report
        let plan = encrypted.plan
        let p = plan.parameters
        var lines: [String] = []
        let shape = ([encrypted.featureCount] + encrypted.layers.map(\.outputCount)).map(String.init).joined(separator: "-")
        lines.append("converted \(outcome.source.kind.rawValue) \(shape) \(modelPath) → \(outPath) (format \(EncryptedModel.formatName) v\(EncryptedModel.currentVersion), weights fingerprint \(encrypted.weightsFingerprint))")
        lines.append("calibration: \(outcome.rowCount) rows")
        if let f = outcome.finetune {
            let outcome = f.kept ? "kept" : "dropped (it lowered the accuracy)"
            let what = f.method == .learnableQuadratics
                ? "every layer re-trained with the degree-2 polynomials as learnable quadratics, \(f.epochs) Adam epochs"
                : "every layer re-trained with the fixed polynomials in place (pre-activations penalized outside their intervals), \(f.epochs) Adam epochs"
            lines.append("fine-tuning: \(what), loss \(fmt(f.initialLoss)) → \(fmt(f.finalLoss)), polynomial accuracy \(pct(f.accuracyBefore)) → \(pct(f.accuracyAfter)), \(outcome)")
        }
        if encrypted.activations.isEmpty && encrypted.outputSigmoid == nil {
            lines.append("activations: none (linear model; the link is applied by the client)")
        } else {
            lines.append("activations:")
        }
        let polynomials = encrypted.activations.enumerated().map { ("layer \($0.offset)", $0.element) }
            + (encrypted.outputSigmoid.map { [("output", $0)] } ?? [])
        for ((name, polynomial), summary) in zip(polynomials, report.activations) {
            let calibrated = conversion.calibrations.first { $0.layer == (name == "output" ? encrypted.layers.count - 1 : Int(name.dropFirst(6)) ?? -1) }
            let observed = calibrated.map { " observed [\(fmt($0.observed.lower)), \(fmt($0.observed.upper))]" } ?? ""
            let how = polynomial.isExact ? "exact" : (polynomial.targetError.map { "target \(fmt($0))" } ?? "fixed degree")
            let step = plan.steps.first { name == "output" ? $0.operation == .outputSigmoid
                                                           : $0.operation == .activation && "layer \($0.layer)" == name }
            let depth = step.map { InferencePlan.isFoldedSquare($0) ? "depth 1, folded square" : "depth \($0.depth)" }
                ?? "depth \(polynomial.depth)"
            lines.append("  \(name) \(summary.function): interval [\(fmt(summary.interval[0])), \(fmt(summary.interval[1]))],\(observed), degree \(summary.degree) (\(depth)), max error \(fmt(summary.maxError)) (\(how)), outside \(pct(summary.outsideFraction, digits: 3))")
        }
        switch encrypted.decoding {
        case .clientSigmoid: lines.append("output: 1 logit, sigmoid applied by the client after decryption (exact)")
        case .clientSoftmax: lines.append("output: \(encrypted.outputCount) logits, softmax applied by the client after decryption (exact)")
        case .encryptedSigmoid: lines.append("output: polynomial sigmoid evaluated under encryption; the client reads the probability")
        }
        if let original = report.originalAccuracy, let polynomial = report.polynomialAccuracy, let drop = report.accuracyDropPoints {
            let verdict = drop <= 1 ? "within 1 point" : "MORE than 1 point lost; try --finetune N or a higher --degree"
            lines.append("accuracy on the calibration data: original \(pct(original)), polynomial \(pct(polynomial)) (\(String(format: "%+.2f", 0 - drop)) points: \(verdict))")
        } else {
            lines.append("accuracy: not measured (the calibration CSV has no target column)")
        }
        let stepText = plan.steps.map { step -> String in
            switch step.operation {
            case .linear: return "linear \(step.depth)"
            case .activation: return InferencePlan.isFoldedSquare(step) ? "square 1" : "poly d=\(step.degree) \(step.depth)"
            case .outputSigmoid: return "sigmoid d=\(step.degree) \(step.depth)"
            }
        }.joined(separator: " + ")
        lines.append("depth: \(plan.depth) (\(stepText))")
        let output = p.ciphertextModulusBits.prefix(p.outputLevel + 1).map(String.init).joined(separator: " + ")
        let primes = "\(output) + \(p.levels - p.outputLevel)×\(p.scaleBits) + special \(p.specialModulusBits.map(String.init).joined(separator: "+"))"
        lines.append("parameters: N = \(p.polyDegree), log QP = \(p.logQP) ≤ \(p.maxLogQP) (\(p.securityBits)-bit security), primes \(primes) bits, scale 2^\(p.scaleBits): target precision \(p.precisionBits) bits"
                     + (report.parameters.noiseBits.map { " above \(String(format: "%.1f", $0)) bits of estimated noise" } ?? ""))
        let predicted = report.predictedLatency
        lines.append("predicted server time: \(fmt(predicted.singleQueryMs)) ms per single query, \(fmt(predicted.batchSetMs)) ms per batch of \(predicted.batchRows) rows (\(fmt(predicted.batchPredictionsPerSecond)) predictions/s)")
        if let choice = report.choice {
            lines.append("plan search: \(report.alternatives.count) plans considered; chosen: \(choice)")
            for a in report.alternatives {
                let degree = a.degree.map { "degree \($0)" } ?? "exact"
                let accuracy = a.calibrationAccuracy.map { pct($0) } ?? "n/a"
                let tuned = a.finetuneEpochs.map { ", fine-tuned \($0) epochs" } ?? ""
                lines.append("  \(a.chosen ? "*" : " ") \(degree)\(tuned), coverage \(fmt(a.coverage)): N = \(a.polyDegree), depth \(a.depth), calibration accuracy \(accuracy), predicted \(fmt(a.predictedSingleQueryMs)) ms")
            }
        }
        let rotations = plan.single.rotations.map(String.init).joined(separator: ",")
        lines.append("single query: block \(plan.single.blockSize) replicated ×\(plan.single.replicas) in \(plan.single.slotCount) slots, BSGS \(plan.single.babySteps)×\(plan.single.giantSteps), \(plan.rotationCount) rotations {\(rotations)}")
        lines.append("batch: \(plan.batch.samplesPerCiphertext) samples per ciphertext, \(plan.batch.inputCiphertexts) input and \(plan.batch.outputCiphertexts) output ciphertexts, no rotations")
        let s = plan.sizes
        lines.append("sizes (estimated): query ciphertext \(bytes(s.queryCiphertextBytes)), result \(bytes(s.resultCiphertextBytes)), evaluation keys \(bytes(s.singleQueryEvaluationKeyBytes)) single / \(bytes(s.batchEvaluationKeyBytes)) batch (each key \(bytes(s.galoisKeyBytes))), batch query \(bytes(s.batchQueryBytes))")
        for path in outcome.plots { lines.append("plot: \(path)") }
        return lines.joined(separator: "\n")
    }

    func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
    func pct(_ x: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f %%", 100 * x) }
    func bytes(_ n: Int) -> String {
        let x = Double(n)
        if x >= Double(1 << 30) { return String(format: "%.2f GiB", x / Double(1 << 30)) }
        if x >= Double(1 << 20) { return String(format: "%.1f MiB", x / Double(1 << 20)) }
        return String(format: "%.0f KiB", x / 1024)
    }
}
