import Foundation

/// ROC AUC and ROC curves computed like scikit-learn (`roc_auc_score`, `roc_curve`), in `O(n)` radix-sort
/// time for Float32 scores. Labels are 0/1 (anything > 0.5 counts as positive). A problem with one class
/// only, a NaN score or mismatched lengths throws `PipelineError.invalidData`, as scikit-learn raises.
public enum AUC {
    static let headNames = Head.displayNames

    /// ROC AUC of one binary problem (ties count one half).
    public static func score(scores: [Float], labels: [Float]) throws -> Double {
        guard scores.count == labels.count else { throw PipelineError.invalidData("AUC: \(scores.count) scores but \(labels.count) labels") }
        let classes = try scores.withUnsafeBufferPointer { s in
            try labels.withUnsafeBufferPointer { l in
                try sortedClasses(scores: s.baseAddress!, labels: l.baseAddress!, count: s.count, stride: 1)
            }
        }
        guard let value = classes.auc() else { throw oneClass("") }
        return value
    }

    /// ROC AUC for Float64 scores (no rounding to Float32, so ties are exactly NumPy's).
    public static func score(scores: [Double], labels: [Double]) throws -> Double {
        guard let value = try sortedClasses(scores: scores, labels: labels).auc() else { throw oneClass("") }
        return value
    }

    /// The ROC curve of one binary problem (scikit-learn's `roc_curve`).
    public static func curve(scores: [Float], labels: [Float], dropIntermediate: Bool = true) throws -> ROCCurve {
        guard scores.count == labels.count else { throw PipelineError.invalidData("ROC: \(scores.count) scores but \(labels.count) labels") }
        let classes = try scores.withUnsafeBufferPointer { s in
            try labels.withUnsafeBufferPointer { l in
                try sortedClasses(scores: s.baseAddress!, labels: l.baseAddress!, count: s.count, stride: 1)
            }
        }
        guard let c = classes.curve(dropIntermediate: dropIntermediate, threshold: { Double(ScoreKey.score($0)) }) else { throw oneClass("") }
        return c
    }

    /// The ROC curve for Float64 scores.
    public static func curve(scores: [Double], labels: [Double], dropIntermediate: Bool = true) throws -> ROCCurve {
        guard let c = try sortedClasses(scores: scores, labels: labels)
            .curve(dropIntermediate: dropIntermediate, threshold: { ScoreKey.score($0) }) else { throw oneClass("") }
        return c
    }

    /// AUC of every column (head) of `scores` against the same column of `labels`, heads in parallel.
    // scores, labels: [n, heads] -> [heads]
    public static func perHead(scores: Matrix, labels: Matrix) throws -> [Double] {
        try checkShapes(scores, labels)
        let heads = scores.cols, n = scores.rows
        var results = [Double?](repeating: nil, count: heads)
        var errors = [PipelineError?](repeating: nil, count: heads)
        scores.values.withUnsafeBufferPointer { s in
            labels.values.withUnsafeBufferPointer { l in
                results.withUnsafeMutableBufferPointer { out in
                    errors.withUnsafeMutableBufferPointer { err in
                        let s = s.baseAddress!, l = l.baseAddress!, out = out.baseAddress!, err = err.baseAddress!
                        parallelFor(chunks: heads) { h in
                            do { out[h] = try sortedClasses(scores: s + h, labels: l + h, count: n, stride: heads).auc() }
                            catch { err[h] = error as? PipelineError }
                        }
                    }
                }
            }
        }
        for h in 0..<heads {
            if let e = errors[h] { throw e }
            if results[h] == nil { throw oneClass(" (head \(h)\(h < headNames.count ? " " + headNames[h] : ""))") }
        }
        return results.map { $0! }
    }

    /// The mean of the per-head AUCs (the original's model-selection criterion).
    public static func meanOverHeads(scores: Matrix, labels: Matrix) throws -> Double {
        let aucs = try perHead(scores: scores, labels: labels)
        return aucs.reduce(0, +) / Double(aucs.count)
    }

    /// The micro-averaged ROC curve: every (edge, head) pair pooled into one binary problem (paper Fig. 4).
    public static func microAveragedCurve(scores: Matrix, labels: Matrix, dropIntermediate: Bool = true) throws -> ROCCurve {
        try checkShapes(scores, labels)
        return try curve(scores: scores.values, labels: labels.values, dropIntermediate: dropIntermediate)
    }

    /// The micro-averaged AUC (all (edge, head) pairs pooled).
    public static func microAveraged(scores: Matrix, labels: Matrix) throws -> Double {
        try checkShapes(scores, labels)
        return try score(scores: scores.values, labels: labels.values)
    }

    static func checkShapes(_ scores: Matrix, _ labels: Matrix) throws {
        guard scores.rows == labels.rows, scores.cols == labels.cols else {
            throw PipelineError.invalidData("AUC: scores are \(scores.rows)x\(scores.cols) but labels \(labels.rows)x\(labels.cols)")
        }
    }

    static func oneClass(_ which: String) -> PipelineError {
        .invalidData("AUC is undefined\(which): only one class is present in the labels")
    }
}
