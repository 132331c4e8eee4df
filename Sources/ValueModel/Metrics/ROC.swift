/// A receiver operating characteristic curve as scikit-learn's `roc_curve` returns it: one point per
/// distinct score (descending), preceded by (0, 0) at threshold +∞; with `dropIntermediate` the collinear
/// points are dropped exactly as scikit-learn does (`np.diff(fps, 2)` / `np.diff(tps, 2)` non-zero).
public struct ROCCurve: Sendable, Equatable {
    /// False-positive rates, ascending from 0 to 1.
    public var falsePositiveRate: [Double]
    /// True-positive rates, ascending from 0 to 1.
    public var truePositiveRate: [Double]
    /// Score thresholds (`score >= threshold` is predicted positive), descending; the first is +∞.
    public var thresholds: [Double]

    /// The area under the curve by the trapezoidal rule (what `sklearn.metrics.auc` computes).
    public var area: Double {
        var total = 0.0
        for i in 1..<falsePositiveRate.count {
            total += (falsePositiveRate[i] - falsePositiveRate[i - 1]) * (truePositiveRate[i] + truePositiveRate[i - 1]) / 2
        }
        return total
    }
}

/// Sorted keys of the positive and the negative examples of one binary problem.
struct SortedClasses<Key: FixedWidthInteger & UnsignedInteger> {
    var positives: [Key]
    var negatives: [Key]

    /// Mann-Whitney AUC with ties counted one half (equal to scikit-learn's trapezoidal `roc_auc_score`).
    /// Counts are exact integers; the single division is the only rounding. Nil with one class only.
    func auc() -> Double? {
        let p = positives.count, q = negatives.count
        guard p > 0, q > 0 else { return nil }
        // twice the number of (positive, negative) pairs ranked correctly, ties counting 1
        var twiceWins = 0
        var j = 0          // negatives[0..<j] are < the current positive key
        var i = 0
        positives.withUnsafeBufferPointer { pos in
            negatives.withUnsafeBufferPointer { neg in
                while i < p {
                    let v = pos[i]
                    var groupEnd = i + 1
                    while groupEnd < p && pos[groupEnd] == v { groupEnd += 1 }
                    while j < q && neg[j] < v { j += 1 }
                    var equalEnd = j
                    while equalEnd < q && neg[equalEnd] == v { equalEnd += 1 }
                    twiceWins += (groupEnd - i) * (2 * j + (equalEnd - j))
                    i = groupEnd
                }
            }
        }
        return Double(twiceWins) / (2 * Double(p) * Double(q))
    }

    /// scikit-learn's `roc_curve`; `threshold` decodes a key back to its score. Nil with one class only.
    func curve(dropIntermediate: Bool, threshold: (Key) -> Double) -> ROCCurve? {
        let p = positives.count, q = negatives.count
        guard p > 0, q > 0 else { return nil }
        var fps: [Int] = [], tps: [Int] = [], thr: [Double] = []
        var i = p - 1, j = q - 1             // walk both from the top
        var tp = 0, fp = 0
        while i >= 0 || j >= 0 {
            let v = Swift.max(i >= 0 ? positives[i] : 0, j >= 0 ? negatives[j] : 0)
            while i >= 0 && positives[i] == v { tp += 1; i -= 1 }
            while j >= 0 && negatives[j] == v { fp += 1; j -= 1 }
            fps.append(fp); tps.append(tp); thr.append(threshold(v))
        }
        if dropIntermediate && fps.count > 2 {
            var keep = [0]
            for k in 1..<(fps.count - 1) where fps[k + 1] - 2 * fps[k] + fps[k - 1] != 0 || tps[k + 1] - 2 * tps[k] + tps[k - 1] != 0 {
                keep.append(k)
            }
            keep.append(fps.count - 1)
            fps = keep.map { fps[$0] }; tps = keep.map { tps[$0] }; thr = keep.map { thr[$0] }
        }
        return ROCCurve(falsePositiveRate: [0] + fps.map { Double($0) / Double(q) },
                        truePositiveRate: [0] + tps.map { Double($0) / Double(p) },
                        thresholds: [.infinity] + thr)
    }
}

/// Splits strided Float32 scores by label (label > 0.5 is positive) into sorted key arrays.
// scores, labels: element i at [i * stride] for i in 0..<count
func sortedClasses(scores: UnsafePointer<Float>, labels: UnsafePointer<Float>, count: Int, stride: Int) throws -> SortedClasses<UInt32> {
    var positiveCount = 0
    for i in 0..<count {
        let s = scores[i * stride]
        if s.isNaN { throw PipelineError.invalidData("ROC: score \(i) is NaN") }
        if labels[i * stride] > 0.5 { positiveCount += 1 }
    }
    var pos = [UInt32](repeating: 0, count: positiveCount)
    var neg = [UInt32](repeating: 0, count: count - positiveCount)
    var a = 0, b = 0
    for i in 0..<count {
        let k = ScoreKey.key(scores[i * stride])
        if labels[i * stride] > 0.5 { pos[a] = k; a += 1 } else { neg[b] = k; b += 1 }
    }
    radixSort(&pos)
    radixSort(&neg)
    return SortedClasses(positives: pos, negatives: neg)
}

/// Same for Float64 scores (exact ties as in NumPy; comparison sort).
func sortedClasses(scores: [Double], labels: [Double]) throws -> SortedClasses<UInt64> {
    guard scores.count == labels.count else { throw PipelineError.invalidData("ROC: \(scores.count) scores but \(labels.count) labels") }
    var pos: [UInt64] = [], neg: [UInt64] = []
    for (i, s) in scores.enumerated() {
        if s.isNaN { throw PipelineError.invalidData("ROC: score \(i) is NaN") }
        if labels[i] > 0.5 { pos.append(ScoreKey.key(s)) } else { neg.append(ScoreKey.key(s)) }
    }
    pos.sort()
    neg.sort()
    return SortedClasses(positives: pos, negatives: neg)
}
