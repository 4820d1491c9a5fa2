import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster for tests: `initdb` into a temporary folder (as the
/// `postgres` user when the tests run as root, as CI does), `pg_ctl start` on a free port of
/// 127.0.0.1 with trust authentication, `stop()` at the end (and on deinit). Debian's
/// `postgresql` package provides the binaries (`.ci/run` installs it).
///
/// `PostgresCluster.start()` returns nil when PostgreSQL is not installed and the tests do
/// not run under CI (`CI=true`): such tests skip locally; under CI a missing PostgreSQL is a
/// failure, never a silent skip.
public final class PostgresCluster: @unchecked Sendable {
    // @unchecked: immutable after init; start/stop are called from one test at a time.
    /// The server's port on 127.0.0.1.
    public let port: Int
    /// The data folder (removed by `stop()`).
    public let directory: URL
    private let binaries: URL
    private let asPostgresUser: Bool
    private var removed = false

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    /// Why PostgreSQL cannot be used here (for the failure under CI).
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts a fresh cluster.
    /// - Returns: the running cluster, or nil when PostgreSQL is not installed and `CI` is not `true`.
    /// - Throws: `Unavailable` under CI when PostgreSQL is missing, or when initdb/pg_ctl fail.
    public static func start() throws -> PostgresCluster? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("\($0)/bin/initdb").path) }
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        guard let version = versions.last else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                throw Unavailable(description: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): .ci/run must `apt-get install -y postgresql`")
            }
            return nil
        }
        return try PostgresCluster(binaries: root.appendingPathComponent("\(version)/bin"))
    }

    private init(binaries: URL, port: Int? = nil) throws {
        self.binaries = binaries
        asPostgresUser = getuid() == 0
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("encml-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = try port ?? Self.freePort()
        if asPostgresUser { try run("/bin/chown", ["-R", "postgres:postgres", directory.path], asPostgres: false) }
        try run(binaries.appendingPathComponent("initdb").path,
                ["-D", dataPath, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try startServer()
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    /// Starts (again) the server of this cluster on its port; waits until it accepts connections.
    public func startServer() throws {
        let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        try run(binaries.appendingPathComponent("pg_ctl").path,
                ["-D", dataPath, "-o", options, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "start"])
    }

    /// Stops the server (fast shutdown), keeping the data: `startServer()` brings it back.
    public func stopServer() throws {
        try run(binaries.appendingPathComponent("pg_ctl").path, ["-D", dataPath, "-m", "immediate", "-w", "stop"])
    }

    /// Stops the server and removes the folder. Idempotent.
    public func stop() {
        guard !removed else { return }
        removed = true
        try? stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// Runs a command (as `postgres` when root), throwing with its output when it fails.
    /// posix_spawn and waitpid, not Foundation's Process: `pg_ctl start` leaves a daemon
    /// behind, and the output goes to a file, so nothing waits for a pipe the daemon holds.
    private func run(_ executable: String, _ arguments: [String], asPostgres: Bool = true) throws {
        let argv = (asPostgres && asPostgresUser ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] : [executable]) + arguments
        let output = directory.appendingPathComponent("command-\(UUID().uuidString).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw Unavailable(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output)
        guard status == 0 else {
            throw Unavailable(description: "\(URL(fileURLWithPath: executable).lastPathComponent) failed (status \(status)): \(text.suffix(600))")
        }
    }

    /// A TCP port of 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension PostgresCluster {
    /// Whether tests that need PostgreSQL run: it is installed, or CI is on (where its absence
    /// must fail in `start()`, not skip).
    public static var isUsable: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
            || ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
                FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
            }
    }
}
