import Foundation

/// Sizes that a file declares in its header (an `.npy` shape, a safetensors shape or offset), read and multiplied
/// with every overflow checked, so that a crafted or corrupted header is an error rather than a trap, a wrapped
/// product or a silently dropped dimension.
enum DeclaredSize {
    /// The bytes an array of `shape` with `itemSize`-byte elements occupies; nil when a dimension or the item size
    /// is negative or the product does not fit in `Int`.
    static func bytes(shape: [Int], itemSize: Int) -> Int? {
        guard itemSize >= 0 else { return nil }
        var total = itemSize
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// A parsed JSON number that is exactly a non-negative integer below 2^63 (no fraction, not `1e30`); nil otherwise.
    static func nonNegativeInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double >= 0, double < 0x1p63, double.rounded(.towardZero) == double else { return nil }
        // Below 2^53 the double is exact; above, the number's integer reading is.
        return double < 0x1p53 ? Int(double) : Int(number.int64Value)
    }
}
