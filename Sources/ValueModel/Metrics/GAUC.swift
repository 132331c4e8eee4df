/// Group AUC: the AUC within each user's edges, averaged with weights equal to the user's number of edges.
/// Users whose edges are all positive or all negative have no AUC and are skipped (weights renormalised).
public enum GAUC {
    /// The result: the weighted mean and how many users / edges entered it.
    public struct Result: Sendable, Equatable {
        /// Σ_u n_u · AUC_u / Σ_u n_u over users with both classes; nil if there is no such user.
        public var value: Double?
        /// Users with both classes.
        public var usersUsed: Int
        /// Users skipped because they have one class only.
        public var usersSkipped: Int
        /// Edges of the users used.
        public var edgesUsed: Int
    }

    /// GAUC of one head: `users[i]` is the user (any non-negative id) of edge i.
    public static func score(users: [Int32], scores: [Float], labels: [Float]) throws -> Result {
        guard users.count == scores.count, scores.count == labels.count else {
            throw PipelineError.invalidData("GAUC: \(users.count) users, \(scores.count) scores, \(labels.count) labels")
        }
        return try scores.withUnsafeBufferPointer { s in
            try labels.withUnsafeBufferPointer { l in
                try score(users: users, scores: s.baseAddress!, labels: l.baseAddress!, stride: 1)
            }
        }
    }

    /// GAUC of every head (column) of `scores`, heads in parallel.
    // users: [n], scores, labels: [n, heads] -> [heads]
    public static func perHead(users: [Int32], scores: Matrix, labels: Matrix) throws -> [Result] {
        try AUC.checkShapes(scores, labels)
        guard users.count == scores.rows else { throw PipelineError.invalidData("GAUC: \(users.count) users for \(scores.rows) rows") }
        let heads = scores.cols
        var results = [Result](repeating: Result(value: nil, usersUsed: 0, usersSkipped: 0, edgesUsed: 0), count: heads)
        var failure: PipelineError?
        scores.values.withUnsafeBufferPointer { s in
            labels.values.withUnsafeBufferPointer { l in
                results.withUnsafeMutableBufferPointer { out in
                    let s = s.baseAddress!, l = l.baseAddress!, out = out.baseAddress!
                    nonisolated(unsafe) var errorSlot: PipelineError?
                    parallelFor(chunks: heads) { h in
                        do { out[h] = try score(users: users, scores: s + h, labels: l + h, stride: heads) }
                        catch { errorSlot = error as? PipelineError }
                    }
                    failure = errorSlot
                }
            }
        }
        if let failure { throw failure }
        return results
    }

    // users: [n], scores/labels strided -> Result
    static func score(users: [Int32], scores: UnsafePointer<Float>, labels: UnsafePointer<Float>, stride: Int) throws -> Result {
        let n = users.count
        guard let maxUser = users.max() else { return Result(value: nil, usersUsed: 0, usersSkipped: 0, edgesUsed: 0) }
        if let bad = users.firstIndex(where: { $0 < 0 }) { throw PipelineError.invalidData("GAUC: user id of edge \(bad) is negative") }
        // Counting sort of edges by user.
        let userCount = Int(maxUser) + 1
        var start = [Int](repeating: 0, count: userCount + 1)
        for u in users { start[Int(u) + 1] += 1 }
        for u in 0..<userCount { start[u + 1] += start[u] }
        var order = [Int32](repeating: 0, count: n)
        var fill = Array(start[0..<userCount])
        for i in 0..<n { let u = Int(users[i]); order[fill[u]] = Int32(i); fill[u] += 1 }
        var weighted = 0.0
        var result = Result(value: nil, usersUsed: 0, usersSkipped: 0, edgesUsed: 0)
        var classes = SortedClasses<UInt32>(positives: [], negatives: [])
        for u in 0..<userCount where start[u + 1] > start[u] {
            classes.positives.removeAll(keepingCapacity: true)
            classes.negatives.removeAll(keepingCapacity: true)
            for k in start[u]..<start[u + 1] {
                let i = Int(order[k]) * stride
                if scores[i].isNaN { throw PipelineError.invalidData("GAUC: score \(order[k]) is NaN") }
                if labels[i] > 0.5 { classes.positives.append(ScoreKey.key(scores[i])) } else { classes.negatives.append(ScoreKey.key(scores[i])) }
            }
            classes.positives.sort()
            classes.negatives.sort()
            let edges = start[u + 1] - start[u]
            if let auc = classes.auc() {
                weighted += Double(edges) * auc
                result.usersUsed += 1
                result.edgesUsed += edges
            } else {
                result.usersSkipped += 1
            }
        }
        if result.edgesUsed > 0 { result.value = weighted / Double(result.edgesUsed) }
        return result
    }
}
