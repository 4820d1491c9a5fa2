import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A slow-loris client against a real `encml serve` process (its own process, so the
/// server's timers are not starved by the CPU-heavy suites that share the test process).
struct StalledUploadTests {
    let chain = EncryptedChain.shared

    /// An upload that stalls after its headers is answered 408 `body_timeout` once the read
    /// timeout has passed, not held until the connection's idle close (11 s here).
    @Test func aStalledUploadIsAnswered408AfterTheReadTimeout() throws {
        let server = try ServerProcess(model: chain.path("a.he.json"), extra: ["--read-timeout", "1"])
        defer { server.stop() }
        let keys = try Data(contentsOf: URL(fileURLWithPath: chain.path("a.evk")))
        let upload = try http("POST", server.base + "/v1/keys", body: keys)
        #expect(upload.status == 201 || upload.status == 200, "\(upload.status) \(upload.text)")
        struct Registration: Decodable { var id: String }
        let id = try JSONDecoder().decode(Registration.self, from: upload.body).id

        let fd = try #require(connectLoopback(port: server.port), "cannot connect to port \(server.port)")
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = "POST /v1/infer/\(id) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
        let partial = Array(head.utf8) + [UInt8](repeating: 7, count: 1000)
        #expect(partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == partial.count)
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        let elapsed = Date().timeIntervalSince(start)
        let reply = String(decoding: buffer.prefix(max(0, received)), as: UTF8.self)
        #expect(reply.hasPrefix("HTTP/1.1 408"), "408 expected: \(received) bytes \(reply.prefix(100))")
        #expect(reply.contains("body_timeout"), "the 408 names its cause: \(reply.prefix(300))")
        #expect(elapsed >= 0.9 && elapsed < 11, "answered after \(elapsed) s (read timeout 1 s, before the idle close)")
        // The server is still healthy afterwards.
        #expect(try http("GET", server.base + "/health").status == 200)
    }
}

/// A TCP socket connected to `port` on 127.0.0.1; nil when nothing listens there.
func connectLoopback(port: Int) -> Int32? {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if connected == 0 { return fd }
    close(fd)
    return nil
}
