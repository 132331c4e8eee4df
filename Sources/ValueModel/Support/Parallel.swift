import Foundation
import COpenBLAS

/// Thread settings of the learning engine: OpenBLAS's pool and the engine's own parallel loops.
public enum LearningThreads {
    nonisolated(unsafe) private static var configured = ProcessInfo.processInfo.activeProcessorCount

    /// The number of threads parallel loops use (defaults to the number of active cores).
    public static var count: Int { configured }

    /// Sets the thread count for both OpenBLAS (`openblas_set_num_threads`) and the engine's loops.
    public static func configure(threads: Int) {
        configured = max(1, threads)
        openblas_set_num_threads(Int32(configured))
    }

    /// Serialises the sections that switch OpenBLAS to one thread (`withSingleThreadedBLAS`).
    private static let singleThreadedBLAS = NSLock()

    /// Runs `body` with OpenBLAS at one thread per caller, the engine's own loops unchanged, and OpenBLAS's thread
    /// count restored afterwards. For work whose matrix products are too small to gain from OpenBLAS's threads (they
    /// wait for each other, most of all on a loaded machine) and whose parallel parts are the engine's own: each
    /// product then has one sum order, whatever the thread count. Process-wide: BLAS calls made by other threads
    /// of the process meanwhile run single-threaded too (the pipeline's steps never overlap them; the test suite
    /// runs serially). Sections do not nest.
    public static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        // At one thread already (`--threads 1`, or a lane of `singleThreadedLanes`) there is nothing to switch, and
        // lanes must not wait for each other here.
        if configured == 1 { return try body() }
        singleThreadedBLAS.lock()
        openblas_set_num_threads(1)
        defer {
            openblas_set_num_threads(Int32(configured))
            singleThreadedBLAS.unlock()
        }
        return try body()
    }

    /// Runs `body(lane)` for every lane in `0..<lanes` side by side (at most `count` at a time), each lane on one
    /// thread: OpenBLAS at one thread and the engine's loops serial while they run, the thread count restored
    /// afterwards. For independent jobs too small to keep every core busy one at a time (a GNN training step
    /// gains about 1.4x from a second thread); what a lane computes then does not depend on `count`. A free
    /// thread takes the next lane in order, so listing the longest jobs first keeps the threads evenly busy.
    public static func singleThreadedLanes(_ lanes: Int, _ body: (Int) -> Void) {
        let threads = configured
        configure(threads: 1)
        defer { configure(threads: threads) }
        let next = NSLock()
        nonisolated(unsafe) var taken = 0
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            let workers = max(1, min(threads, lanes))
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let lane: Int = next.withLock { defer { taken += 1 }; return taken }
                    guard lane < lanes else { return }
                    work(lane)
                }
            }
        }
    }
}

/// Runs `body(chunk)` for `chunk` in `0..<chunks` on up to `LearningThreads.count` threads
/// (sequentially when there is one chunk or one thread).
@inline(__always)
func parallelFor(chunks: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || LearningThreads.count <= 1 {
        for c in 0..<chunks { body(c) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        nonisolated(unsafe) let work = escapable
        DispatchQueue.concurrentPerform(iterations: chunks) { work($0) }
    }
}

/// Splits `0..<count` into about `LearningThreads.count * 4` contiguous ranges (at least `minimumChunk`
/// long) and runs `body(range)` on each in parallel.
@inline(__always)
func parallelRanges(_ count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let wanted = max(1, min(LearningThreads.count * 4, (count + minimumChunk - 1) / minimumChunk))
    let size = (count + wanted - 1) / wanted
    parallelFor(chunks: wanted) { c in
        let lo = c * size
        let hi = min(count, lo + size)
        if lo < hi { body(lo..<hi) }
    }
}

/// Splits `0..<total` into at most `parts` contiguous, nearly equal ranges.
public func contiguousRanges(_ total: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, min(parts, total))
    return (0..<parts).map { part in (total * part / parts)..<(total * (part + 1) / parts) }
}
