import Foundation
import Models

/// `--plot DIR`: one SVG per polynomial activation with the function, its polynomial, the
/// error over the interval, and the calibrated data range shaded.
enum ActivationPlots {
    /// Writes the SVGs and returns their paths. O(points · degree) per activation.
    static func write(conversion: Conversion, to directory: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError.cannotWrite(path: directory, reason: "cannot create the plot folder: \(error.localizedDescription)")
        }
        let model = conversion.model
        var items: [(name: String, polynomial: PolynomialApproximation, layer: Int)] =
            model.activations.enumerated().map { ("layer\($0.offset)-\($0.element.function.rawValue)", $0.element, $0.offset) }
        if let sigmoid = model.outputSigmoid { items.append(("output-sigmoid", sigmoid, model.layers.count - 1)) }
        var paths: [String] = []
        for item in items {
            let calibration = conversion.calibrations.first { $0.layer == item.layer }
            let svg = render(item.polynomial, title: item.name, observed: calibration?.observed)
            let path = (directory as NSString).appendingPathComponent("\(item.name).svg")
            do { try svg.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw CLIError.cannotWrite(path: path, reason: error.localizedDescription)
            }
            paths.append(path)
        }
        return paths
    }

    /// The SVG for one polynomial.
    static func render(_ polynomial: PolynomialApproximation, title: String, observed: Interval?) -> String {
        let interval = polynomial.interval
        let n = 400
        var f: [(Double, Double)] = [], p: [(Double, Double)] = [], e: [(Double, Double)] = []
        for i in 0...n {
            let x = interval.lower + interval.width * Double(i) / Double(n)
            let exact = polynomial.exactValue(x), approx = polynomial.value(x)
            f.append((x, exact)); p.append((x, approx)); e.append((x, approx - exact))
        }
        let values = (f + p).map(\.1)
        var yLow = values.min() ?? 0, yHigh = values.max() ?? 1
        let pad = max((yHigh - yLow) * 0.05, 1e-12)
        yLow -= pad; yHigh += pad
        let errorBound = max(e.map { abs($0.1) }.max() ?? 0, 1e-15) * 1.1
        var svg = SVGPlot(width: 720, height: 560)
        let top = SVGPlot.Panel(x: 70, y: 50, width: 620, height: 300, xRange: interval.lower...interval.upper, yRange: yLow...yHigh)
        let bottom = SVGPlot.Panel(x: 70, y: 400, width: 620, height: 120, xRange: interval.lower...interval.upper, yRange: -errorBound...errorBound)
        let how = polynomial.isExact ? "exact" : "Chebyshev"
        svg.text("\(title): \(polynomial.function.rawValue) on [\(String(format: "%.4g", interval.lower)), \(String(format: "%.4g", interval.upper))], \(how) degree \(polynomial.degree), max error \(String(format: "%.3g", polynomial.maxError))", x: 70, y: 28, size: 14)
        if let observed {
            svg.band(top, from: observed.lower, to: observed.upper, color: "#9ecae1", label: "calibrated data range")
            svg.band(bottom, from: observed.lower, to: observed.upper, color: "#9ecae1", label: "calibrated data range")
        }
        svg.axes(top, yLabel: "f(x) and p(x)")
        svg.axes(bottom, yLabel: "p(x) − f(x)")
        svg.polyline(top, points: f, color: "#222", width: 2)
        svg.polyline(top, points: p, color: "#d62728", width: 1.5, dashed: true)
        svg.polyline(bottom, points: e, color: "#d62728")
        svg.text("— function", x: 520, y: 385, size: 11, color: "#222")
        svg.text("- - polynomial", x: 600, y: 385, size: 11, color: "#d62728")
        svg.text("shaded: calibrated data range", x: 70, y: 385, size: 11, color: "#3182bd")
        return svg.rendered()
    }
}
