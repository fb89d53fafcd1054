import Foundation

/// Runs blocking work (sockets, file I/O) on a thread of its own, off the concurrency pool that an
/// in-process server needs: a blocking read on the pool could starve the server when tests run in
/// parallel on two cores. Expectations belong in the caller's context, on what this returns.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try body() }) }.start() }
}
