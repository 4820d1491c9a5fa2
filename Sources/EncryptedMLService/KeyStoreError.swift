import Foundation

/// A key store's own failure (cannot open, connect, read or write), with a one-line reason
/// saying what and where. Stores throw it; the service reports it to clients as
/// `ServiceError.storeUnavailable` (503). Never carries key content.
public struct KeyStoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// One-line reason.
    public var message: String

    /// An error.
    /// - Parameter message: what failed and where (store location, operation, the driver's reason).
    public init(_ message: String) { self.message = message }

    /// One-line message.
    public var description: String { message }

    /// The same message, for `LocalizedError`.
    public var errorDescription: String? { message }
}
