import Foundation

/// What the matching losses compare, per evaluation session: the candidates' predicted heads, each list's
/// length K, and summaries of the observed list (its level-1 category distribution and the mean GNN embedding
/// of its videos), plus each candidate's category and embedding for the simulated list.
public struct ListMatchingData: Sendable {
    public let heads: CandidateHeads
    /// K per session: `min(sess_len, candidates)`.
    public let listLength: [Int32]
    /// Dense level-1 category index of each candidate (`0..<categoryCount`).
    public let candidateCategory: [Int32]
    public let categoryCount: Int
    /// Observed category distribution `q`, `[sessions, categoryCount]`.
    public let observedCategories: [Double]
    /// Candidate embeddings `[candidates, hidden]` (the GNN's final video-node embeddings).
    public let embeddings: [Float]
    public let hidden: Int
    /// Observed mean embedding `mu_obs`, `[sessions, hidden]`.
    public let observedMean: [Double]

    public var sessions: Int { heads.sessions }
    public var candidates: Int { heads.videos }

    /// - Parameters:
    ///   - observed: candidate indices of each session's observed videos (`observedOffsets` delimit sessions).
    ///   - categoryIds: raw level-1 category id of each candidate (−124 = unknown counts as a category).
    public init(heads: CandidateHeads, lengths: [Int32], observedOffsets: [Int], observed: [Int32],
                categoryIds: [Double], embeddings: [Float], hidden: Int) throws {
        let s = heads.sessions, n = heads.videos
        guard lengths.count == s, observedOffsets.count == s + 1, categoryIds.count == n, embeddings.count == n * hidden else {
            throw PipelineError.invalidData("list matching: inconsistent sizes (sessions \(s), lengths \(lengths.count), offsets \(observedOffsets.count), candidates \(n), categories \(categoryIds.count), embeddings \(embeddings.count) for H = \(hidden))")
        }
        self.heads = heads
        listLength = lengths.map { min($0, Int32(n)) }
        let distinct = Array(Set(categoryIds)).sorted()
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
        candidateCategory = categoryIds.map { index[$0]! }
        categoryCount = distinct.count
        self.embeddings = embeddings
        self.hidden = hidden
        var q = [Double](repeating: 0, count: s * distinct.count)
        var mu = [Double](repeating: 0, count: s * hidden)
        for session in 0..<s {
            let list = observed[observedOffsets[session]..<observedOffsets[session + 1]]
            guard !list.isEmpty else { throw PipelineError.invalidData("session \(session) has no observed videos") }
            let share = 1 / Double(list.count)
            for j in list {
                guard j >= 0, Int(j) < n else { throw PipelineError.invalidData("observed video outside the candidates") }
                q[session * distinct.count + Int(candidateCategory[Int(j)])] += share
                for k in 0..<hidden { mu[session * hidden + k] += share * Double(embeddings[Int(j) * hidden + k]) }
            }
        }
        observedCategories = q
        observedMean = mu
    }
}

/// The two matching losses of SPEC step 4 on hard top-K lists.
/// - `category` (stage A): `−Σ_c q_c log max(p_c, 1e-8)`, `q` observed, `p` simulated level-1 distribution.
/// - `embedding` (stage B, paper §4.5): `‖mu_obs − mu_sim(w)‖²` with mu the mean GNN video embedding of a list.
/// Both are averaged over sessions (optionally weighted, for the bootstrap). Per-session terms are computed in
/// parallel and summed in session order, so the value does not depend on the thread count.
public enum MatchingLoss: String, Sendable, CaseIterable, Codable {
    case category
    case embedding

    /// Floor of simulated category shares in the cross-entropy (the original's `max(p, 1e-8)`).
    public static let categoryFloor = 1e-8
}

/// Per-session outcome of one hard simulation at `w`.
public struct SessionSimulation: Sendable {
    public var loss: Double
    /// Mean `w·p` of the simulated and of the observed list.
    public var simulatedValue: Double
    public var observedValue: Double
    /// Videos in both lists.
    public var overlap: Int
}

/// Evaluates a matching loss at head weights `w` with the hard top-K simulated list.
public final class ListMatchingObjective: @unchecked Sendable {
    public let data: ListMatchingData
    public let kind: MatchingLoss
    /// Loss evaluations so far (hard and soft).
    public internal(set) var evaluations = 0
    /// Each session's soft top-K threshold at the last surrogate evaluation (Newton's next starting point).
    var thresholdCache: [Double]
    /// Each session's top K at the last evaluation (hard or soft), `[Σ K]` (−1: none yet), from `topOffsets`:
    /// the seeds of the next selection, which evaluates a nearby w (its result does not depend on them).
    var topCache: [Int32]
    let topOffsets: [Int]

    public init(data: ListMatchingData, kind: MatchingLoss) {
        self.data = data
        self.kind = kind
        thresholdCache = [Double](repeating: .nan, count: data.sessions)
        var offsets = [0]
        for k in data.listLength { offsets.append(offsets[offsets.count - 1] + Int(k)) }
        topOffsets = offsets
        topCache = [Int32](repeating: -1, count: offsets[offsets.count - 1])
    }

    /// The top `k` of `scores` seeded with a session's cached top K (`cached`, `[listLength]`), which is then
    /// replaced by this selection's first `listLength` (the seeds of the next evaluation).
    @inline(__always)
    static func selectSeeded(_ selector: inout TopKSelector, _ scores: UnsafePointer<Float>, count n: Int, k: Int,
                             cached: UnsafeMutablePointer<Int32>, listLength: Int, into top: inout [Int32]) {
        selector.select(scores, count: n, k: k, seeds: UnsafeBufferPointer(start: cached, count: listLength), into: &top)
        for r in 0..<min(listLength, top.count) { cached[r] = top[r] }
    }

    /// `Σ_s ω_s L_s(w) / Σ_s ω_s` (ω = 1 when `sessionWeights` is nil).
    public func loss(_ w: [Double], sessionWeights: [Double]? = nil) -> Double {
        let terms = sessionLosses(w)
        return weightedMean(terms, sessionWeights)
    }

    /// Per-session loss terms at `w`.
    public func sessionLosses(_ w: [Double]) -> [Double] {
        simulate(w, observedIndices: nil).map(\.loss)
    }

    /// Per-session simulation results (loss, values, overlap with the observed list).
    public func simulate(_ w: [Double], observedIndices: (offsets: [Int], videos: [Int32])?) -> [SessionSimulation] {
        evaluations += 1
        let s = data.sessions, n = data.candidates, h = data.hidden, c = data.categoryCount
        let wf = w.map { Float($0) }
        var out = [SessionSimulation](repeating: SessionSimulation(loss: 0, simulatedValue: 0, observedValue: 0, overlap: 0), count: s)
        let topOffsets = self.topOffsets
        data.heads.values.withUnsafeBufferPointer { heads in
            data.embeddings.withUnsafeBufferPointer { emb in
              topCache.withUnsafeMutableBufferPointer { cache in
                out.withUnsafeMutableBufferPointer { result in
                    let heads = heads.baseAddress!, emb = emb.baseAddress!, result = result.baseAddress!, cache = cache.baseAddress!
                    parallelRanges(s, minimumChunk: 8) { range in
                        var scores = [Float](repeating: 0, count: n)
                        var selector = TopKSelector()
                        var top: [Int32] = []
                        var counts = [Double](repeating: 0, count: c)
                        var mean = [Double](repeating: 0, count: h)
                        for session in range {
                            let p = heads + session * n * 4
                            for j in 0..<n {
                                let q = p + j * 4
                                scores[j] = wf[0] * q[0] + wf[1] * q[1] + wf[2] * q[2] + wf[3] * q[3]
                            }
                            let k = Int(data.listLength[session])
                            scores.withUnsafeBufferPointer {
                                Self.selectSeeded(&selector, $0.baseAddress!, count: n, k: k, cached: cache + topOffsets[session], listLength: k, into: &top)
                            }
                            var loss = 0.0
                            switch kind {
                            case .category:
                                for i in 0..<c { counts[i] = 0 }
                                for j in top { counts[Int(data.candidateCategory[Int(j)])] += 1 }
                                let base = session * c
                                for i in 0..<c where data.observedCategories[base + i] > 0 {
                                    let share = max(counts[i] / Double(top.count), MatchingLoss.categoryFloor)
                                    loss -= data.observedCategories[base + i] * log(share)
                                }
                            case .embedding:
                                for i in 0..<h { mean[i] = 0 }
                                for j in top {
                                    let e = emb + Int(j) * h
                                    for i in 0..<h { mean[i] += Double(e[i]) }
                                }
                                let base = session * h
                                let inv = 1 / Double(top.count)
                                for i in 0..<h {
                                    let d = data.observedMean[base + i] - mean[i] * inv
                                    loss += d * d
                                }
                            }
                            var simValue = 0.0
                            for j in top { simValue += Double(scores[Int(j)]) }
                            var record = SessionSimulation(loss: loss, simulatedValue: simValue / Double(max(top.count, 1)),
                                                           observedValue: .nan, overlap: 0)
                            if let observedIndices {
                                let list = observedIndices.videos[observedIndices.offsets[session]..<observedIndices.offsets[session + 1]]
                                var value = 0.0
                                for j in list { value += Double(scores[Int(j)]) }
                                record.observedValue = value / Double(max(list.count, 1))
                                let chosen = Set(top)
                                record.overlap = Set(list).filter { chosen.contains($0) }.count
                            }
                            result[session] = record
                        }
                    }
                }
              }
            }
        }
        return out
    }
}

/// `Σ ω_i x_i / Σ ω_i`, summed in index order (ω = 1 when nil).
func weightedMean(_ values: [Double], _ weights: [Double]?) -> Double {
    var total = 0.0, mass = 0.0
    if let weights {
        for (x, w) in zip(values, weights) where w != 0 { total += w * x; mass += w }
    } else {
        for x in values { total += x }
        mass = Double(values.count)
    }
    return mass > 0 ? total / mass : .nan
}


/// One level-1 category of the category loss: its id (−124 = unknown, as KuaiRec codes it), name, how many
/// candidates it holds and its mean share of a session's observed list.
public struct CategoryMapRow: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var candidates: Int
    public var meanListShare: Double
}

extension ListMatchingData {
    /// The categories the category loss compares, in its dense order (ascending id), with each candidate's raw
    /// level-1 id (`categoryIds`, as passed to `init`) and name (nil: unnamed).
    public func categoryMap(categoryIds: [Double], names: [String?]) -> [CategoryMapRow] {
        var rows = (0..<categoryCount).map { _ in CategoryMapRow(id: 0, name: "", candidates: 0, meanListShare: 0) }
        for (j, c) in candidateCategory.enumerated() {
            let c = Int(c)
            rows[c].id = Int(categoryIds[j])
            rows[c].candidates += 1
            if rows[c].name.isEmpty, j < names.count, let name = names[j] { rows[c].name = name }
        }
        for s in 0..<sessions { for c in 0..<categoryCount { rows[c].meanListShare += observedCategories[s * categoryCount + c] } }
        for c in 0..<categoryCount { rows[c].meanListShare /= Double(max(sessions, 1)) }
        return rows
    }
}
