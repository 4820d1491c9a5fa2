import Foundation

/// A minimal SVG line-chart writer: panels with axes, polylines, shaded x-ranges and labels.
struct SVGPlot {
    /// One plotting panel (a rectangle with its own data ranges).
    struct Panel {
        var x: Double, y: Double, width: Double, height: Double
        var xRange: ClosedRange<Double>
        var yRange: ClosedRange<Double>

        func px(_ v: Double) -> Double { x + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * width }
        func py(_ v: Double) -> Double { y + height - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * height }
    }

    var width: Double
    var height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func number(_ v: Double) -> String { String(format: "%.2f", v) }

    mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start", color: String = "#222") {
        body.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-family=\"sans-serif\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(Self.escape(s))</text>")
    }

    /// Frame, zero line, and tick labels at the ends of both ranges.
    mutating func axes(_ p: Panel, yLabel: String) {
        body.append("<rect x=\"\(Self.number(p.x))\" y=\"\(Self.number(p.y))\" width=\"\(Self.number(p.width))\" height=\"\(Self.number(p.height))\" fill=\"none\" stroke=\"#888\"/>")
        if p.yRange.contains(0) {
            body.append("<line x1=\"\(Self.number(p.x))\" y1=\"\(Self.number(p.py(0)))\" x2=\"\(Self.number(p.x + p.width))\" y2=\"\(Self.number(p.py(0)))\" stroke=\"#ccc\"/>")
        }
        let fmt = { (v: Double) in String(format: "%.3g", v) }
        text(fmt(p.yRange.upperBound), x: p.x - 4, y: p.y + 10, size: 10, anchor: "end")
        text(fmt(p.yRange.lowerBound), x: p.x - 4, y: p.y + p.height, size: 10, anchor: "end")
        text(fmt(p.xRange.lowerBound), x: p.x, y: p.y + p.height + 14, size: 10)
        text(fmt(p.xRange.upperBound), x: p.x + p.width, y: p.y + p.height + 14, size: 10, anchor: "end")
        text(yLabel, x: p.x + 6, y: p.y + 14, size: 11)
    }

    /// A shaded band over `[from, to]` (clipped to the panel).
    mutating func band(_ p: Panel, from: Double, to: Double, color: String, label: String) {
        let a = max(p.px(from), p.x), b = min(p.px(to), p.x + p.width)
        guard b > a else { return }
        body.append("<rect x=\"\(Self.number(a))\" y=\"\(Self.number(p.y))\" width=\"\(Self.number(b - a))\" height=\"\(Self.number(p.height))\" fill=\"\(color)\" opacity=\"0.25\"><title>\(Self.escape(label))</title></rect>")
    }

    mutating func polyline(_ p: Panel, points: [(Double, Double)], color: String, width: Double = 1.5, dashed: Bool = false) {
        let coordinates = points.map { "\(Self.number(p.px($0.0))),\(Self.number(p.py(min(max($0.1, p.yRange.lowerBound), p.yRange.upperBound))))" }.joined(separator: " ")
        let dash = dashed ? " stroke-dasharray=\"5,3\"" : ""
        body.append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(Self.number(width))\"\(dash)/>")
    }

    func rendered() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
