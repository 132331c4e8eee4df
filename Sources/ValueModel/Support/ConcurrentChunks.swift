import Dispatch

/// Runs `body(chunk)` for `chunk` in 0..<count on all cores and waits. Each chunk should write only to
/// its own output slots.
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        DispatchQueue.concurrentPerform(iterations: count, execute: escapable)
    }
}

/// Splits `0..<total` into at most `parts` contiguous, nearly equal ranges.
public func contiguousRanges(_ total: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, min(parts, total))
    return (0..<parts).map { part in (total * part / parts)..<(total * (part + 1) / parts) }
}
