import CoreMetrics
import Foundation
import Prometheus

/// The service's metrics: recorded through swift-metrics (`Counter`, `Timer`, `Gauge`) into a
/// Prometheus registry of its own (swift-prometheus), rendered in the text exposition format
/// for a `/metrics` endpoint. One registry per service, so that several services in one
/// process (tests, an app serving two models) never mix their series, and the process-wide
/// `MetricsSystem` stays the app's to bootstrap.
///
/// Series: `encml_http_requests_total{method,route,status}`,
/// `encml_http_request_duration_seconds{route}` (histogram), `encml_inference_duration_seconds`
/// (histogram), `encml_inferred_rows_total`, `encml_key_uploads_total`,
/// `encml_errors_total{code}`, `encml_key_cache_lookups_total{result=hit|miss}`,
/// `encml_key_store_errors_total{operation}`, and, read at scrape time, the key registry's
/// gauges (`encml_registered_clients`, `encml_registered_key_bytes`,
/// `encml_registered_key_memory_bytes`), `encml_key_evictions_total`, the inference queue
/// (`encml_inference_queued`, `encml_inference_running`) and `encml_uptime_seconds`.
/// Routes are labelled by their template (`/v1/infer/{id}`), never by client ids or content.
/// Thread-safe; an observation costs a lock and a dictionary look-up.
public final class ServiceMetrics: @unchecked Sendable {
    // @unchecked: the counts below are guarded by `lock`; the registry and the handles are thread-safe.

    /// Upper bounds, in seconds, of the latency histogram buckets (then +Inf).
    public static let bucketBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// The Prometheus registry the metrics are recorded into.
    public let prometheus: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var requests = 0
    private var keyUploads = 0
    private var cacheHits = 0
    private var cacheMisses = 0
    private var evictionsSeen = 0
    private let started = Date()
    private let inferenceLatency: CoreMetrics.Timer
    private let rowsInferred: CoreMetrics.Counter
    private let keyUploadCounter: CoreMetrics.Counter
    private let cacheHitCounter: CoreMetrics.Counter
    private let cacheMissCounter: CoreMetrics.Counter
    private let evictions: CoreMetrics.Counter
    private let clients: CoreMetrics.Gauge
    private let keyBytes: CoreMetrics.Gauge
    private let keyMemory: CoreMetrics.Gauge
    private let queued: CoreMetrics.Gauge
    private let running: CoreMetrics.Gauge
    private let uptime: CoreMetrics.Gauge

    /// Empty counters.
    public init() {
        let registry = PrometheusCollectorRegistry()
        prometheus = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.bucketBounds.map { .nanoseconds(Int64($0 * 1e9)) }
        self.factory = factory
        inferenceLatency = CoreMetrics.Timer(label: "encml_inference_duration_seconds", factory: factory)
        rowsInferred = CoreMetrics.Counter(label: "encml_inferred_rows_total", factory: factory)
        keyUploadCounter = CoreMetrics.Counter(label: "encml_key_uploads_total", factory: factory)
        cacheHitCounter = CoreMetrics.Counter(label: "encml_key_cache_lookups_total", dimensions: [("result", "hit")], factory: factory)
        cacheMissCounter = CoreMetrics.Counter(label: "encml_key_cache_lookups_total", dimensions: [("result", "miss")], factory: factory)
        evictions = CoreMetrics.Counter(label: "encml_key_evictions_total", factory: factory)
        clients = CoreMetrics.Gauge(label: "encml_registered_clients", factory: factory)
        keyBytes = CoreMetrics.Gauge(label: "encml_registered_key_bytes", factory: factory)
        keyMemory = CoreMetrics.Gauge(label: "encml_registered_key_memory_bytes", factory: factory)
        queued = CoreMetrics.Gauge(label: "encml_inference_queued", factory: factory)
        running = CoreMetrics.Gauge(label: "encml_inference_running", factory: factory)
        uptime = CoreMetrics.Gauge(label: "encml_uptime_seconds", factory: factory)
    }

    /// Counts one HTTP request on `route` (a template) answered with `status` after `seconds`.
    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        CoreMetrics.Counter(label: "encml_http_requests_total",
                            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory).increment()
        CoreMetrics.Timer(label: "encml_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
        lock.withLock { requests += 1 }
    }

    /// Counts one inference of `rows` rows that took `seconds` of server time.
    func recordInference(rows: Int, seconds: Double) {
        rowsInferred.increment(by: rows)
        inferenceLatency.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Counts one evaluation-keys upload that was accepted.
    func recordKeyUpload() {
        keyUploadCounter.increment()
        lock.withLock { keyUploads += 1 }
    }

    /// Counts one look-up of a key set in the in-memory cache.
    func recordKeyCache(hit: Bool) {
        (hit ? cacheHitCounter : cacheMissCounter).increment()
        lock.withLock { if hit { cacheHits += 1 } else { cacheMisses += 1 } }
    }

    /// Counts one failed key-store operation (`save`, `load`, `list`, `delete`, `close`).
    func recordStoreError(operation: String) {
        CoreMetrics.Counter(label: "encml_key_store_errors_total", dimensions: [("operation", operation)], factory: factory).increment()
    }

    /// Counts one refused request by error code.
    func recordError(_ code: String) {
        CoreMetrics.Counter(label: "encml_errors_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// Total requests counted so far (all routes and statuses).
    public var requestCount: Int { lock.withLock { requests } }

    /// Accepted evaluation-keys uploads so far.
    public var keyUploadCount: Int { lock.withLock { keyUploads } }

    /// Key-cache hits and misses so far.
    public var keyCacheLookups: (hits: Int, misses: Int) { lock.withLock { (cacheHits, cacheMisses) } }

    /// The metrics in Prometheus text format (version 0.0.4), after reading the registry's and
    /// the executor's gauges. Cost: O(series).
    /// - Parameters:
    ///   - registry: the key registry whose gauges are included.
    ///   - executor: the inference pool whose load is included.
    /// - Returns: the exposition text.
    public func prometheusText(registry: KeyRegistry, executor: InferenceExecutor? = nil) -> String {
        let stats = registry.statistics
        clients.record(stats.clients)
        keyBytes.record(stats.keyBytes)
        keyMemory.record(stats.memoryBytes)
        if let load = executor?.load {
            queued.record(load.queued)
            running.record(load.running)
        }
        uptime.record(Date().timeIntervalSince(started))
        let newEvictions = lock.withLock { () -> Int in
            defer { evictionsSeen = max(evictionsSeen, stats.evictions) }
            return max(0, stats.evictions - evictionsSeen)
        }
        if newEvictions > 0 { evictions.increment(by: newEvictions) }
        return prometheus.emitToString()
    }
}
