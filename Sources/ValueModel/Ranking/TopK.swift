/// Top-K selection without a full sort: a bounded min-heap of the K best seen so far, O(N log K), where most
/// candidates are rejected by one comparison with the heap's root.
///
/// Order: a higher score wins; equal scores are broken toward the lower index, so the selected *set* is
/// unique and equals the first K of a stable descending sort. NaN scores rank below everything.
public struct TopKSelector {
    private var heap: [Int32] = []

    public init() {}

    /// Whether candidate `a` ranks above candidate `b`.
    @inline(__always)
    static func better(_ a: Int32, _ b: Int32, _ scores: UnsafePointer<Float>) -> Bool {
        let x = scores[Int(a)], y = scores[Int(b)]
        if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN || (x.isNaN == y.isNaN && a < b) }
        return x > y || (x == y && a < b)
    }

    /// Writes the indices of the `k` best of `scores[0..<count]` into `out` (cleared first), best first.
    public mutating func select(_ scores: UnsafePointer<Float>, count: Int, k requested: Int, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        let k = min(requested, count)
        guard k > 0 else { return }
        heap.removeAll(keepingCapacity: true)
        // Min-heap under `better`: the root is the weakest kept candidate.
        for i in 0..<Int32(count) {
            if heap.count < k {
                heap.append(i)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if TopKSelector.better(heap[p], heap[c], scores) { heap.swapAt(p, c); c = p } else { break }
                }
            } else if TopKSelector.better(i, heap[0], scores) {
                heap[0] = i
                siftDown(0, scores)
            }
        }
        // Pop weakest first, then reverse.
        while !heap.isEmpty {
            out.append(heap[0])
            let last = heap.count - 1
            heap.swapAt(0, last)
            heap.removeLast()
            if !heap.isEmpty { siftDown(0, scores) }
        }
        out.reverse()
    }

    private mutating func siftDown(_ start: Int, _ scores: UnsafePointer<Float>) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && TopKSelector.better(heap[m], heap[l], scores) { m = l }
            if r < n && TopKSelector.better(heap[m], heap[r], scores) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    /// Convenience for arrays (tests): the indices of the `k` best, best first.
    public static func topK(_ scores: [Float], k: Int) -> [Int32] {
        var selector = TopKSelector()
        var out: [Int32] = []
        scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: scores.count, k: k, into: &out) }
        return out
    }
}
