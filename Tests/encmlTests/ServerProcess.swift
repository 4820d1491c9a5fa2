import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `encml serve` process on 127.0.0.1 with a free port (`--port 0`, the port read
/// from its "listening on" line). Its stderr (the request log) is drained continuously so
/// the server never blocks on a full pipe; `stop()` sends SIGTERM, then SIGKILL after 10 s.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `output`/`log` are only touched under `lock`.
    let process = Process()
    private let lock = NSLock()
    private var output = ""
    private var logText = ""
    private(set) var port = 0
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts `encml serve --model model --port port extra…` (0: any free port) and waits (≤ 120 s) until it listens.
    init(model: String, port: Int = 0, extra: [String] = []) throws {
        process.executableURL = CLI.executable
        let authentication = extra.contains("--tokens") || extra.contains("--insecure-no-auth") ? [] : ["--insecure-no-auth"]
        process.arguments = ["serve", "--model", model, "--host", "127.0.0.1", "--port", "\(port)"] + authentication + extra
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let listening = DispatchSemaphore(value: 0)
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { handle.readabilityHandler = nil; return }
            self.lock.lock()
            self.output += String(decoding: data, as: UTF8.self)
            let seen = self.output.contains("listening on http://")
            self.lock.unlock()
            if seen { listening.signal() }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { handle.readabilityHandler = nil; return }
            self.lock.lock()
            self.logText += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
        guard listening.wait(timeout: .now() + 120) == .success else {
            stop()
            throw CocoaError(.featureUnsupported, userInfo: ["reason": "encml serve did not start", "log": log])
        }
        lock.lock()
        let line = output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("listening on http://") } ?? ""
        lock.unlock()
        self.port = Int(line.split(separator: ":").last ?? "") ?? 0
        guard self.port > 0 else { stop(); throw CocoaError(.featureUnsupported, userInfo: ["line": String(line)]) }
    }

    /// Everything the server logged so far.
    var log: String {
        lock.lock()
        defer { lock.unlock() }
        return logText
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM, wait ≤ 10 s, then SIGKILL; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL, as a crash: no shutdown runs. Returns once the process is gone.
    func crash() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The value of an unlabelled Prometheus series in the server's `/metrics`.
func metric(_ server: ServerProcess, _ name: String) throws -> Double? {
    let text = try http("GET", server.base + "/metrics").text
    let line = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix(name + " ") }
    return line.flatMap { Double($0.split(separator: " ").last!) }
}

/// A blocking HTTP request from the tests (URLSession).
struct HTTPReply: Sendable {
    var status: Int
    var contentType: String
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

final class ReplyBox: @unchecked Sendable {
    var reply: HTTPReply?
    var error: (any Error)?
}

func http(_ method: String, _ url: String, body: Data? = nil, contentType: String? = "application/octet-stream",
          token: String? = nil) throws -> HTTPReply {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    request.timeoutInterval = 300
    if let body {
        request.httpBody = body
        request.setValue("", forHTTPHeaderField: "Expect")
        request.setValue(contentType ?? "", forHTTPHeaderField: "Content-Type")
    }
    let box = ReplyBox()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        if let http = response as? HTTPURLResponse {
            box.reply = HTTPReply(status: http.statusCode,
                                  contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "",
                                  body: data ?? Data())
        } else {
            box.error = error ?? CocoaError(.featureUnsupported)
        }
        done.signal()
    }.resume()
    done.wait()
    if let error = box.error { throw error }
    return box.reply!
}
