import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded pool of threads for CPU-bound inference, apart from the event loops and the
/// Swift concurrency pool: at most `workers` jobs run, at most `queueLimit` wait, and a job
/// beyond that is refused at once (`ServiceError.overloaded`, HTTP 503 with Retry-After)
/// instead of queueing without bound. The workers run at a lower scheduling priority
/// (nice +10 on Linux) so that health checks, metrics and key management — which never
/// enter this pool — keep the CPU when every core runs inference.
public final class InferenceExecutor: @unchecked Sendable {
    // @unchecked: `jobs`, `running` and `stopped` are only touched under `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var running = 0
    private var stopped = false
    /// Threads running jobs.
    public let workers: Int
    /// Jobs that may wait for a thread.
    public let queueLimit: Int

    /// Starts `workers` threads.
    /// - Parameters:
    ///   - workers: threads running jobs (≥ 1).
    ///   - queueLimit: jobs that may wait (≥ 0).
    public init(workers: Int, queueLimit: Int) {
        self.workers = max(1, workers)
        self.queueLimit = max(0, queueLimit)
        for index in 0..<self.workers {
            let thread = Thread { [self] in self.work() }
            thread.name = "encml-inference-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Jobs waiting and running now. Cost: O(1).
    public var load: (queued: Int, running: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (jobs.count, running)
    }

    /// Runs `job` on a worker and returns its result, or refuses it at once when
    /// `queueLimit` jobs already wait. Cost: the job plus a lock and a thread wake-up.
    /// - Parameter job: the CPU-bound work.
    /// - Returns: what `job` returns.
    /// - Throws: `ServiceError.overloaded` when the queue is full, or what `job` throws.
    public func run<T: Sendable>(_ job: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        let outcome: Result<T, ServiceError> = await withCheckedContinuation { continuation in
            condition.lock()
            let waiting = jobs.count + running - workers
            guard !stopped, waiting < queueLimit else {
                condition.unlock()
                continuation.resume(returning: .failure(.overloaded(retryAfterSeconds: 1)))
                return
            }
            jobs.append {
                do throws(ServiceError) {
                    continuation.resume(returning: .success(try job()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            condition.signal()
            condition.unlock()
        }
        return try outcome.get()
    }

    /// Stops the workers once the queued jobs are done.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        #if os(Linux)
        // Linux applies PRIO_PROCESS with who = 0 to the calling thread only: the workers
        // yield to the event loops under contention.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            running += 1
            condition.unlock()
            job()
            condition.lock()
            running -= 1
            condition.unlock()
        }
    }
}
