import Foundation

/// Request counters and latency histograms for a `/metrics` endpoint, rendered in the
/// Prometheus text exposition format. Thread-safe (one lock, O(buckets) per observation).
/// Routes are labelled by their template (`/v1/infer/{id}`), never by client ids or content.
public final class ServiceMetrics: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.

    /// Upper bounds, in seconds, of the latency histogram buckets (then +Inf).
    public static let bucketBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct Histogram {
        var buckets = [Int](repeating: 0, count: ServiceMetrics.bucketBounds.count)
        var count = 0
        var sum = 0.0

        mutating func observe(_ seconds: Double) {
            count += 1
            sum += seconds
            for (i, bound) in ServiceMetrics.bucketBounds.enumerated() where seconds <= bound { buckets[i] += 1 }
        }
    }

    struct RequestKey: Hashable, Comparable {
        var method: String
        var route: String
        var status: Int
        static func < (a: Self, b: Self) -> Bool { (a.route, a.method, a.status) < (b.route, b.method, b.status) }
    }

    private let lock = NSLock()
    private var requests: [RequestKey: Int] = [:]
    private var requestLatency: [String: Histogram] = [:]
    private var inferenceLatency = Histogram()
    private var rowsInferred = 0
    private var keyUploads = 0
    private var errors: [String: Int] = [:]
    private let started = Date()

    /// Empty counters.
    public init() {}

    /// Counts one HTTP request on `route` (a template) answered with `status` after `seconds`.
    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        requests[RequestKey(method: method, route: route, status: status), default: 0] += 1
        requestLatency[route, default: Histogram()].observe(seconds)
    }

    /// Counts one inference of `rows` rows that took `seconds` of server time.
    func recordInference(rows: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        rowsInferred += rows
        inferenceLatency.observe(seconds)
    }

    /// Counts one evaluation-keys upload that was accepted.
    func recordKeyUpload() {
        lock.lock()
        defer { lock.unlock() }
        keyUploads += 1
    }

    /// Counts one refused request by error code.
    func recordError(_ code: String) {
        lock.lock()
        defer { lock.unlock() }
        errors[code, default: 0] += 1
    }

    /// Total requests counted so far (all routes and statuses).
    public var requestCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return requests.values.reduce(0, +)
    }

    /// Accepted evaluation-keys uploads so far.
    public var keyUploadCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return keyUploads
    }

    /// The metrics in Prometheus text format (version 0.0.4), with the registry's gauges.
    /// Cost: O(series).
    /// - Parameters:
    ///   - registry: the key registry whose gauges are included.
    ///   - executor: the inference pool whose load is included.
    /// - Returns: the exposition text.
    public func prometheusText(registry: KeyRegistry, executor: InferenceExecutor? = nil) -> String {
        let stats = registry.statistics
        let load = executor?.load
        lock.lock()
        defer { lock.unlock() }
        var out = ""
        func line(_ s: String) { out += s + "\n" }
        line("# HELP encml_http_requests_total HTTP requests by method, route template and status.")
        line("# TYPE encml_http_requests_total counter")
        for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
            line("encml_http_requests_total{method=\"\(key.method)\",route=\"\(key.route)\",status=\"\(key.status)\"} \(count)")
        }
        line("# HELP encml_http_request_duration_seconds HTTP request latency by route template.")
        line("# TYPE encml_http_request_duration_seconds histogram")
        for (route, h) in requestLatency.sorted(by: { $0.key < $1.key }) {
            histogram("encml_http_request_duration_seconds", labels: "route=\"\(route)\"", h, into: &out)
        }
        line("# HELP encml_inference_duration_seconds Server time of one inference request (deserialize, infer, serialize).")
        line("# TYPE encml_inference_duration_seconds histogram")
        histogram("encml_inference_duration_seconds", labels: nil, inferenceLatency, into: &out)
        line("# HELP encml_inferred_rows_total Encrypted rows inferred.")
        line("# TYPE encml_inferred_rows_total counter")
        line("encml_inferred_rows_total \(rowsInferred)")
        line("# HELP encml_key_uploads_total Accepted evaluation-keys uploads.")
        line("# TYPE encml_key_uploads_total counter")
        line("encml_key_uploads_total \(keyUploads)")
        line("# HELP encml_errors_total Refused requests by error code.")
        line("# TYPE encml_errors_total counter")
        for (code, count) in errors.sorted(by: { $0.key < $1.key }) { line("encml_errors_total{code=\"\(code)\"} \(count)") }
        line("# HELP encml_registered_clients Clients whose evaluation keys are held.")
        line("# TYPE encml_registered_clients gauge")
        line("encml_registered_clients \(stats.clients)")
        line("# HELP encml_registered_key_bytes Serialized size of the held evaluation keys.")
        line("# TYPE encml_registered_key_bytes gauge")
        line("encml_registered_key_bytes \(stats.keyBytes)")
        line("# HELP encml_registered_key_memory_bytes In-memory size of the held evaluation keys (what the --max-key-memory budget counts).")
        line("# TYPE encml_registered_key_memory_bytes gauge")
        line("encml_registered_key_memory_bytes \(stats.memoryBytes)")
        if let load {
            line("# HELP encml_inference_queued Inferences waiting for a worker.")
            line("# TYPE encml_inference_queued gauge")
            line("encml_inference_queued \(load.queued)")
            line("# HELP encml_inference_running Inferences running.")
            line("# TYPE encml_inference_running gauge")
            line("encml_inference_running \(load.running)")
        }
        line("# HELP encml_key_evictions_total Clients evicted (least recently used) to respect the limit.")
        line("# TYPE encml_key_evictions_total counter")
        line("encml_key_evictions_total \(stats.evictions)")
        line("# HELP encml_uptime_seconds Seconds since the service started.")
        line("# TYPE encml_uptime_seconds gauge")
        line("encml_uptime_seconds \(String(format: "%.1f", Date().timeIntervalSince(started)))")
        return out
    }

    private func histogram(_ name: String, labels: String?, _ h: Histogram, into out: inout String) {
        let prefix = labels.map { $0 + "," } ?? ""
        for (i, bound) in Self.bucketBounds.enumerated() {
            out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(h.buckets[i])\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(h.count)\n"
        let tail = labels.map { "{\($0)}" } ?? ""
        out += "\(name)_sum\(tail) \(h.sum)\n"
        out += "\(name)_count\(tail) \(h.count)\n"
    }
}
