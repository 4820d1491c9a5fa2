import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a secret key and its evaluation keys so that the pair on disk is always consistent:
///
/// 1. temporary files left by an earlier keygen that was killed (`.NAME.encml-tmp-PID` with PID
///    no longer running) are removed;
/// 2. both files are written in full to temporaries beside their targets (the secret key 0600
///    from its creation) and flushed to disk, with SIGINT/SIGTERM held off;
/// 3. the evaluation keys are renamed over their target first, then the secret key.
///
/// A crash before step 3 leaves the old pair untouched (and temporaries the next run removes);
/// a crash between the two renames leaves new evaluation keys beside the old secret key, which
/// the key set (written into both files and every ciphertext) makes every later command refuse
/// with a clear error — never a new secret key next to old evaluation keys. Any failure removes
/// the temporaries.
func writeKeyPair(secretKey skData: Data, to skPath: String, evaluationKeys evkData: Data, to evkPath: String) throws {
    removeStaleTemporaries(beside: skPath)
    removeStaleTemporaries(beside: evkPath)
    let skTemp = temporaryPath(for: skPath), evkTemp = temporaryPath(for: evkPath)
    let blocked = blockTerminationSignals()
    defer { restoreSignals(blocked) }
    do {
        try writeFlushed(evkData, to: evkTemp, mode: 0o644)
        try writeFlushed(skData, to: skTemp, mode: 0o600)
        guard rename(evkTemp, evkPath) == 0 else { throw CLIError.cannotWrite(path: evkPath, reason: String(cString: strerror(errno))) }
        guard rename(skTemp, skPath) == 0 else { throw CLIError.cannotWrite(path: skPath, reason: String(cString: strerror(errno))) }
    } catch {
        unlink(skTemp)
        unlink(evkTemp)
        throw error
    }
}

/// `.NAME.encml-tmp-PID` beside `path`.
func temporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).encml-tmp-\(getpid())").path
}

/// Removes `.NAME.encml-tmp-PID` files beside `path` whose process is gone.
func removeStaleTemporaries(beside path: String) {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    let prefix = ".\(url.lastPathComponent).encml-tmp-"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
    for name in names where name.hasPrefix(prefix) {
        guard let pid = Int32(name.dropFirst(prefix.count)) else { continue }
        if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}

/// Creates `path` with `mode` (failing if it exists), writes `data` and flushes it to disk.
private func writeFlushed(_ data: Data, to path: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
    guard fd >= 0 else { throw CLIError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    try data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            guard written > 0 else { throw CLIError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            offset += written
        }
    }
    guard fsync(fd) == 0 else { throw CLIError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
}

/// Blocks SIGINT and SIGTERM for this thread (delivered after `restoreSignals`).
private func blockTerminationSignals() -> sigset_t {
    var set = sigset_t(), old = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &set, &old)
    return old
}

private func restoreSignals(_ old: sigset_t) {
    var old = old
    pthread_sigmask(SIG_SETMASK, &old, nil)
}
