import ArgumentParser
import EncryptedML
import Foundation
import Models
import Plaintext

/// `encml convert`: a trained model → `MODEL.he.json` for encrypted inference, with a report.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a trained model for encrypted inference (polynomial activations, plan, CKKS parameters).",
        discussion: """
        Calibrates each layer's pre-activation range on the calibration CSV (columns matched by name), \
        replaces relu/tanh/sigmoid by Chebyshev polynomials (square/poly convert exactly), folds the \
        standardizer and the intervals into the weights, and chooses 128-bit CKKS parameters. \
        By default the degree and interval of every approximated polynomial, hence the depth and the \
        parameters, are searched: the plan with the lowest predicted latency whose accuracy on the \
        calibration rows is within --max-accuracy-loss points of the original (or the most accurate \
        within --latency-budget ms). --degree or --max-error fix the degree instead (error targets \
        with --max-error: 1e-3 for sigmoid/tanh, 2 % of the interval's largest magnitude for relu).
        """
    )

    @Option(help: "Trained model (MODEL.json from `encml train`).")
    var model: String

    @Option(help: "Calibration data (CSV with the model's feature columns; the target column, if present, gives accuracies).")
    var calibration: String

    @Option(help: "Where to write the converted model (MODEL.he.json).")
    var out: String

    @Option(help: "Write one SVG per polynomial activation into this folder.")
    var plot: String?

    @Flag(help: "Print the report as one JSON object on stdout.")
    var json = false

    @Option(help: "Fixed polynomial degree for approximated activations (default: chosen from the error target).")
    var degree: Int?

    @Option(name: .customLong("max-error"), help: "Max approximation error on the interval (default: 1e-3 for sigmoid/tanh, 2 % of the interval for relu).")
    var maxError: Double?

    @Option(name: .customLong("max-degree"), help: "Largest degree the automatic choice may use (with --max-error).")
    var maxDegree: Int = 255

    @Option(name: .customLong("max-accuracy-loss"), help: "Plan search: accuracy on the calibration rows may be at most this many points below the original model's; the fastest such plan is chosen.")
    var maxAccuracyLoss: Double = 0.5

    @Option(name: .customLong("latency-budget"), help: "Plan search: choose the most accurate plan whose predicted single-query server time is within this many milliseconds.")
    var latencyBudget: Double?

    @Option(help: "Required output precision in bits (sets the CKKS scale).")
    var precision: Int = 20

    @Option(help: "Interval margin on each side, as a fraction of the calibrated range.")
    var margin: Double = 0.1

    @Option(help: "Share of calibration pre-activations the interval must cover before the margin (1 = all).")
    var coverage: Double = 1.0

    @Option(help: "Fine-tune every layer of a relu/tanh/sigmoid MLP for at most this many epochs with the chosen polynomials in place (needs the target column; the plan search also tries fine-tuned candidates by itself, 100 epochs).")
    var finetune: Int?

    @Option(help: "Seed for fine-tuning (batch shuffling): the same seed gives the same model.")
    var seed: UInt64 = 0

    @Flag(name: .customLong("shared-results"), help: "Results will be released with noise flooding (decrypt/query --flood): reserve the scale bits flooding costs so that predictions still agree with the plaintext polynomial model.")
    var sharedResults = false

    @Flag(name: .customLong("encrypted-sigmoid"), help: "Evaluate the output sigmoid under encryption (two-class models) instead of on the client.")
    var encryptedSigmoid = false

    func validate() throws {
        if degree != nil && maxError != nil {
            throw ValidationError("--degree and --max-error are alternatives; pass one of them")
        }
        if (degree != nil || maxError != nil) && latencyBudget != nil {
            throw ValidationError("--latency-budget chooses the degree; it cannot be combined with --degree or --max-error")
        }
        if let finetune, finetune < 1 || finetune > 10_000 {
            throw ValidationError("--finetune takes a number of epochs between 1 and 10000")
        }
    }

    /// The options the flags describe.
    var options: ConversionOptions {
        var options = ConversionOptions()
        if let degree { options.degree = .fixed(degree) }
        else if let maxError { options.degree = .automatic(maxError: maxError, maxDegree: maxDegree) }
        options.margin = margin
        options.coverage = coverage
        options.precisionBits = precision + (sharedResults ? DecryptionOptions.floodingReserveBits() : 0)
        options.encryptedSigmoid = encryptedSigmoid
        return options
    }

    func run() throws {
        let outcome = try convert()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(outcome.conversion.report), as: UTF8.self))
        } else {
            print(ConversionText(outcome: outcome, modelPath: model, outPath: out).render())
        }
    }

    /// Everything `run` prints about: the conversion, the rows it used, the fine-tuning figures.
    struct Outcome {
        var conversion: Conversion
        var source: TrainedModel
        var rowCount: Int
        var finetune: FinetuneSummary?
        var plots: [String]
    }

    /// Whether the degree is searched (neither --degree nor --max-error given).
    var searches: Bool { degree == nil && maxError == nil }

    /// The search budget the flags describe.
    var budget: SearchBudget {
        var budget = SearchBudget()
        budget.maxAccuracyLoss = maxAccuracyLoss
        budget.latencyBudgetMs = latencyBudget
        let allowed = budget.degrees.filter { $0 <= maxDegree }
        budget.degrees = allowed.isEmpty ? [maxDegree] : allowed
        return budget
    }

    /// Loads, converts (searches the plan — with fine-tuned candidates when the calibration rows
    /// are labelled — and fine-tunes if asked), writes the model and the plots.
    func convert() throws -> Outcome {
        let trained = try TrainedModel.load(from: model)
        let calibrationSet = try loadCalibration(for: trained)
        let finetuner = PolynomialFinetuner(epochs: finetune ?? PolynomialFinetuner().epochs, seed: seed)
        var options = self.options
        var stage: ApproximationStage
        var searched: SearchResult?
        var tuned = trained
        var summary: FinetuneSummary?
        if searches {
            let result = try ModelConverter.search(trained, calibration: calibrationSet, options: options, budget: budget,
                                                   finetuner: calibrationSet.labels == nil ? nil : finetuner)
            (options, stage, searched, tuned, summary) = (result.options, result.stage, result, result.model, result.finetune)
        } else {
            stage = try ModelConverter.approximate(trained, calibration: calibrationSet, options: options)
        }
        if finetune != nil && summary == nil {
            var finetuner = finetuner
            finetuner.learnableQuadratics = true  // a degree-2 conversion then converts exactly
            let result = try finetuner.finetune(trained, stage: stage, calibration: calibrationSet, options: options)
            (tuned, stage, summary) = (result.model, result.stage, result.summary)
        }
        var conversion: Conversion
        if let searched, finetune == nil || searched.finetune != nil {
            conversion = searched.conversion
        } else {
            conversion = try ModelConverter.assemble(tuned, stage: stage, calibration: calibrationSet, options: options,
                                                     original: trained)
            conversion.report.alternatives = searched?.alternatives ?? []
            conversion.report.choice = searched?.reason
        }
        do { try conversion.model.save(to: out) } catch {
            throw CLIError.cannotWrite(path: out, reason: error.localizedDescription)
        }
        var plots: [String] = []
        if let plot {
            plots = try ActivationPlots.write(conversion: conversion, to: plot)
        }
        return Outcome(conversion: conversion, source: trained, rowCount: calibrationSet.rows.count,
                       finetune: summary, plots: plots)
    }

    /// Reads the calibration CSV: the model's feature columns by name; labels when the target
    /// column is present.
    func loadCalibration(for trained: TrainedModel) throws -> CalibrationSet {
        let table = try CSVReader.read(path: calibration)
        if table.columnIndex(trained.targetName) != nil {
            let data = try Dataset(table: table, featureNames: trained.featureNames, targetName: trained.targetName,
                                   classLabels: trained.classLabels)
            return CalibrationSet(rows: (0..<data.count).map(data.row), labels: data.labels, source: calibration)
        }
        if finetune != nil {
            throw ConversionError.calibrationMismatch(source: calibration, reason: "--finetune needs the target column '\(trained.targetName)', which is missing")
        }
        let matrix = try table.numericMatrix(columns: trained.featureNames)
        let d = trained.featureCount
        let rows = (0..<(matrix.count / d)).map { Array(matrix[$0 * d ..< ($0 + 1) * d]) }
        return CalibrationSet(rows: rows, labels: nil, source: calibration)
    }
}
