/// Order-preserving integer keys for scores, and the fast sort the ROC code runs on them.
///
/// A Float32 score maps to a UInt32 whose unsigned order is the numeric order (negative numbers have their
/// bits flipped, non-negative ones their sign bit set; -0 is folded into +0 so the two tie, as in NumPy).
/// The ROC/AUC code sorts positives' and negatives' keys separately and merges them, so no index payload
/// has to travel with the keys.
enum ScoreKey {
    /// The order-preserving key of `x` (x must not be NaN).
    @inline(__always) static func key(_ x: Float) -> UInt32 {
        let b = (x == 0 ? Float(0) : x).bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    /// The score a key came from.
    @inline(__always) static func score(_ k: UInt32) -> Float {
        Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
    }

    /// The order-preserving key of a Float64 score.
    @inline(__always) static func key(_ x: Double) -> UInt64 {
        let b = (x == 0 ? Double(0) : x).bitPattern
        return b & 0x8000_0000_0000_0000 != 0 ? ~b : b | 0x8000_0000_0000_0000
    }

    /// The Float64 score a key came from.
    @inline(__always) static func score(_ k: UInt64) -> Double {
        Double(bitPattern: k & 0x8000_0000_0000_0000 != 0 ? k & 0x7FFF_FFFF_FFFF_FFFF : ~k)
    }
}

/// Sorts UInt32 keys ascending with an LSD radix sort (two passes of 16 bits; `O(n)`).
func radixSort(_ keys: inout [UInt32]) {
    let n = keys.count
    guard n > 1 else { return }
    if n < 4096 { keys.sort(); return }
    var other = [UInt32](repeating: 0, count: n)
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: 1 << 16)
    defer { counts.deallocate() }
    for shift in [UInt32(0), 16] {
        counts.initialize(repeating: 0, count: 1 << 16)
        keys.withUnsafeBufferPointer { src in
            for k in src { counts[Int((k >> shift) & 0xFFFF)] += 1 }
            var total = 0
            for d in 0..<(1 << 16) { let c = counts[d]; counts[d] = total; total += c }
            other.withUnsafeMutableBufferPointer { dst in
                for k in src {
                    let d = Int((k >> shift) & 0xFFFF)
                    dst[counts[d]] = k
                    counts[d] += 1
                }
            }
        }
        swap(&keys, &other)
    }
}
