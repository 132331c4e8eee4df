/// Top-K selection without a full sort: a bounded min-heap of the K best seen so far, O(N log K), where most
/// candidates are rejected by one comparison with the heap's root score (kept in a register; the heap holds
/// each kept candidate's score beside its index, so sifting reads no scores through the index).
///
/// Order: a higher score wins; equal scores are broken toward the lower index, so the selected *set* is
/// unique and equals the first K of a stable descending sort. NaN scores rank below everything.
public struct TopKSelector {
    /// The heap: kept candidates' scores and indices, `[k]` each (capacity grows to the largest k asked).
    private var keys: [Float] = []
    private var indices: [Int32] = []
    /// `[count]`: which candidates entered as seeds (all false between calls).
    private var seeded: [Bool] = []

    public init() {}

    /// Writes the indices of the `k` best of `scores[0..<count]` into `out` (cleared first), best first.
    ///
    /// `seeds` (optional): candidates likely to be among the best, for example the top K of a nearby score
    /// vector. They enter the heap first, so that its root starts near the K-th best score and most other
    /// candidates are rejected at the first comparison. The result does not depend on them (the top K under
    /// this order is unique); indices outside `0..<count` and repeats are ignored.
    public mutating func select(_ scores: UnsafePointer<Float>, count: Int, k requested: Int, seeds: UnsafeBufferPointer<Int32>? = nil,
                                into out: inout [Int32]) {
        if Self.containsNaN(scores, count: count) {
            select(NaNLastOrder.self, scores, count: count, k: requested, seeds: seeds, into: &out)
        } else {
            select(NumberOrder.self, scores, count: count, k: requested, seeds: seeds, into: &out)
        }
    }

    /// Whether any of `scores[0..<count]` is NaN (eight lanes at a time).
    static func containsNaN(_ scores: UnsafePointer<Float>, count: Int) -> Bool {
        var i = 0
        var found = SIMDMask<SIMD8<Int32>>(repeating: false)
        while i + 8 <= count {
            let v = UnsafeRawPointer(scores + i).loadUnaligned(as: SIMD8<Float>.self)
            found .|= v .!= v
            i += 8
        }
        while i < count { if scores[i].isNaN { return true }; i += 1 }
        return any(found)
    }

    @inline(__always)
    private mutating func select<Order: TopKOrder>(_ order: Order.Type, _ scores: UnsafePointer<Float>, count: Int, k requested: Int,
                                                   seeds: UnsafeBufferPointer<Int32>?, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        let k = min(requested, count)
        guard k > 0 else { return }
        if keys.count < k {
            keys = [Float](repeating: 0, count: k)
            indices = [Int32](repeating: 0, count: k)
        }
        if seeded.count < count { seeded = [Bool](repeating: false, count: count) }
        out.reserveCapacity(k)
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                seeded.withUnsafeMutableBufferPointer { seededBuffer in
                    let key = keyBuffer.baseAddress!, index = indexBuffer.baseAddress!, seeded = seededBuffer.baseAddress!
                    // Min-heap under `better`: the root is the weakest kept candidate.
                    var m = 0
                    func push(_ i: Int) {
                        var c = m
                        let x = scores[i], a = Int32(i)
                        while c > 0 {
                            let p = (c - 1) / 2
                            guard Order.better(key[p], index[p], x, a) else { break }
                            key[c] = key[p]; index[c] = index[p]
                            c = p
                        }
                        key[c] = x; index[c] = a
                        m += 1
                    }
                    for s in seeds ?? UnsafeBufferPointer(start: nil, count: 0) where m < k {
                        let i = Int(s)
                        guard i >= 0, i < count, !seeded[i] else { continue }
                        seeded[i] = true
                        push(i)
                    }
                    let marked = m
                    var i = 0
                    while m < k {            // fill the heap with the first candidates not seeded
                        if !seeded[i] { push(i) }
                        i += 1
                    }
                    var root = key[0]
                    while i < count {
                        let x = scores[i]
                        // `x < root` rejects (false on NaN); an equal score wins only with a lower index.
                        if x < root || (marked > 0 && seeded[i]) { i += 1; continue }
                        if Order.better(x, Int32(i), root, index[0]) {
                            Self.siftDown(order, key, index, count: k, key: x, index: Int32(i))
                            root = key[0]
                        }
                        i += 1
                    }
                    if marked > 0, let seeds { for s in seeds where s >= 0 && Int(s) < count { seeded[Int(s)] = false } }
                    // Pop weakest first, then reverse.
                    var n = k
                    while n > 0 {
                        out.append(index[0])
                        n -= 1
                        if n > 0 { Self.siftDown(order, key, index, count: n, key: key[n], index: index[n]) }
                    }
                }
            }
        }
        out.reverse()
    }

    /// Places (`x`, `a`) at the root of the heap `key`/`index` `[count]` and sifts it down.
    @inline(__always)
    private static func siftDown<Order: TopKOrder>(_ order: Order.Type, _ key: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>,
                                                   count n: Int, key x: Float, index a: Int32) {
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            guard l < n else { break }
            var m = l
            if r < n && Order.better(key[l], index[l], key[r], index[r]) { m = r }
            guard Order.better(x, a, key[m], index[m]) else { break }
            key[i] = key[m]; index[i] = index[m]
            i = m
        }
        key[i] = x; index[i] = a
    }

    /// Convenience for arrays (tests): the indices of the `k` best, best first.
    public static func topK(_ scores: [Float], k: Int) -> [Int32] {
        var selector = TopKSelector()
        var out: [Int32] = []
        scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: scores.count, k: k, into: &out) }
        return out
    }
}

/// Whether candidate `a` with score `x` ranks above candidate `b` with score `y` (`TopKSelector`'s order).
protocol TopKOrder {
    static func better(_ x: Float, _ a: Int32, _ y: Float, _ b: Int32) -> Bool
}

/// The order on scores without NaN: higher first, ties to the lower index.
enum NumberOrder: TopKOrder {
    @inline(__always)
    static func better(_ x: Float, _ a: Int32, _ y: Float, _ b: Int32) -> Bool { x > y || (x == y && a < b) }
}

/// The same order with NaN below every number (NaNs among themselves by index).
enum NaNLastOrder: TopKOrder {
    @inline(__always)
    static func better(_ x: Float, _ a: Int32, _ y: Float, _ b: Int32) -> Bool {
        if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN || (x.isNaN == y.isNaN && a < b) }
        return NumberOrder.better(x, a, y, b)
    }
}
