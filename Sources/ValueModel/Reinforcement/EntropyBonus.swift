import Foundation

/// DORL's entropy bonus (`chongminggao/DORL-codes`, `src/core/user_model_ensemble.py`, `get_save_entropy_mat`, and
/// `src/core/worldModel/simulated_env.py`, `_compute_pred_reward`), counted from logged sequences.
///
/// **The table.** Each logged sequence (one user's items in time order, as DORL sorts `df_train` by user and
/// timestamp; no session breaks) is walked once; for every position and every key length k in 1…`order`
/// (DORL's `entropy_window = [1, 2]`, so `order` 2), the key is the *sorted* tuple of the k items before it and the
/// item at the position is counted as what followed that key. A key's value is the entropy of what followed it,
/// normalised by the log of the number of distinct followers, `−Σ p log₂ p / log₂ n`; a key followed by a single
/// distinct item gets 1 (DORL's `len(mylist) <= 1` on the counts' dictionary). The counts are of **items**, not
/// categories: that is what DORL's code counts, whatever its paper's wording.
///
/// **The bonus** when item `a_t` is shown after `a_{t−1}`: for k = 1…order, the value of the sorted tuple of the
/// last k shown items, `a_t` included (a key the logs never saw counts 1); when fewer than `order` items were shown
/// yet, each missing one counts 1 (DORL's "补足差额").
public struct EntropyBonus: Sendable {
    /// The longest key (1 or 2).
    public let order: Int
    /// Number of items.
    public let items: Int
    /// `[items]`: the value of the key `(j)`, NaN when the logs never show anything after j.
    let singleValues: [Float]
    /// The keys `(lo, hi)`, lo ≤ hi, in CSR form by `lo`: partners `pairPartners[pairStarts[lo]..<pairStarts[lo + 1]]`
    /// sorted ascending, with their values alongside.
    let pairStarts: [Int32]
    let pairPartners: [Int32]
    let pairValues: [Float]
    /// DORL's `entropy_min` / `entropy_max`: per key length, the smallest (largest) value of any key of that length, summed.
    public let minimum: Double
    public let maximum: Double

    /// Counts `sequences` (item indices in 0..<items) with keys of length 1…`order`.
    public init(sequences: [[Int32]], items: Int, order: Int = 2) throws {
        guard order == 1 || order == 2 else {
            throw PipelineError.invalidOption(name: "entropy order", reason: "DORL's entropy keys are 1 or 2 items long, got \(order)")
        }
        guard items > 0, items <= Int(UInt16.max) else {
            throw PipelineError.invalidData("the entropy bonus packs item pairs in 32 bits: 1...\(UInt16.max) items, got \(items)")
        }
        // Codes (key << 32 | follower): key j for length 1, lo * items + hi for length 2.
        var singles: [UInt64] = [], pairs: [UInt64] = []
        for (s, sequence) in sequences.enumerated() {
            for (position, item) in sequence.enumerated() {
                guard item >= 0, Int(item) < items else {
                    throw PipelineError.invalidData("logged sequence \(s), position \(position): item \(item) is outside 0..<\(items)")
                }
                if position >= 1 { singles.append(UInt64(sequence[position - 1]) << 32 | UInt64(item)) }
                if order == 2, position >= 2 {
                    let a = Int(sequence[position - 2]), b = Int(sequence[position - 1])
                    pairs.append(UInt64(min(a, b) * items + max(a, b)) << 32 | UInt64(item))
                }
            }
        }
        let singleEntropies = Self.entropies(of: &singles)
        let pairEntropies = Self.entropies(of: &pairs)
        guard !singleEntropies.isEmpty, order == 1 || !pairEntropies.isEmpty else {
            throw PipelineError.invalidData("the logged sequences are too short for entropy keys of length \(order)")
        }
        var single = [Float](repeating: .nan, count: items)
        for (key, value) in singleEntropies { single[Int(key)] = value }
        var starts = [Int32](repeating: 0, count: items + 1), partners: [Int32] = [], values: [Float] = []
        for (key, value) in pairEntropies {   // keys ascending, so lo ascending, then hi ascending
            starts[Int(key) / items + 1] += 1
            partners.append(Int32(Int(key) % items))
            values.append(value)
        }
        for j in 0..<items { starts[j + 1] += starts[j] }
        self.order = order
        self.items = items
        singleValues = single
        pairStarts = starts
        pairPartners = partners
        pairValues = values
        let lengths = [singleEntropies.map(\.value)] + (order == 2 ? [pairEntropies.map(\.value)] : [])
        minimum = lengths.reduce(0) { $0 + Double($1.min() ?? 1) }
        maximum = lengths.reduce(0) { $0 + Double($1.max() ?? 1) }
    }

    /// Sorts `codes` (key << 32 | follower) and returns each key's normalised entropy of followers, keys ascending.
    private static func entropies(of codes: inout [UInt64]) -> [(key: UInt32, value: Float)] {
        codes.sort()
        var out: [(key: UInt32, value: Float)] = []
        var i = 0
        var counts: [Double] = []
        while i < codes.count {
            let key = codes[i] >> 32
            counts.removeAll(keepingCapacity: true)
            while i < codes.count, codes[i] >> 32 == key {
                let code = codes[i]
                var n = 0
                while i < codes.count, codes[i] == code { n += 1; i += 1 }
                counts.append(Double(n))
            }
            out.append((UInt32(key), normalisedEntropy(counts)))
        }
        return out
    }

    /// `−Σ p log₂ p / log₂ n` over `n` distinct outcomes with these counts; 1 when n ≤ 1 (DORL's `get_entropy`).
    static func normalisedEntropy(_ counts: [Double]) -> Float {
        guard counts.count > 1 else { return 1 }
        let total = counts.reduce(0, +)
        let h = counts.reduce(0.0) { acc, c in let p = c / total; return acc - p * log2(p) }
        return Float(h / log2(Double(counts.count)))
    }

    /// The bonus when `current` is shown with `previous` the item shown just before it (nil at the first turn).
    public func bonus(current: Int32, previous: Int32?) -> Double {
        let single = singleValues[Int(current)]
        var total = single.isNaN ? 1 : Double(single)
        guard order == 2 else { return total }
        guard let previous else { return total + 1 }
        let lo = Int(min(current, previous)), hi = Int32(max(current, previous))
        var low = Int(pairStarts[lo]), high = Int(pairStarts[lo + 1])
        while low < high {   // binary search for hi among lo's partners
            let mid = (low + high) / 2
            if pairPartners[mid] < hi { low = mid + 1 } else { high = mid }
        }
        total += low < Int(pairStarts[lo + 1]) && pairPartners[low] == hi ? Double(pairValues[low]) : 1
        return total
    }
}
