import Foundation
import Testing
@testable import ValueModel

/// ROC / AUC against scikit-learn's `roc_auc_score` and `roc_curve` (fixture with many ties), against an
/// O(n²) pair count, and GAUC on hand-computed cases.
@Suite("Metrics: ROC, AUC, GAUC")
struct MetricsTests {
    struct Case: Decodable {
        var y: [Double]
        var score: [Double]
        var auc: Double
        var roc_fpr: [Double]
        var roc_tpr: [Double]
        var roc_thresholds: [Threshold]
    }
    enum Threshold: Decodable {
        case value(Double)
        case infinity
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .value(d) } else { _ = try c.decode(String.self); self = .infinity }
        }
        var double: Double { if case let .value(d) = self { return d }; return .infinity }
    }
    struct Fixture: Decodable { var cases: [Case] }

    static func cases() throws -> [Case] {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: dir.appendingPathComponent("auc_reference.json"))).cases
    }

    /// Every (positive, negative) pair: 1 if ranked right, 1/2 if tied.
    static func bruteForceAUC(_ s: [Float], _ y: [Float]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in s.indices where y[i] > 0.5 { for j in s.indices where y[j] < 0.5 {
            pairs += 1
            wins += s[i] > s[j] ? 1 : (s[i] == s[j] ? 0.5 : 0)
        } }
        return wins / pairs
    }

    @Test("AUC and ROC curve equal scikit-learn's on arrays with ties")
    func matchesScikitLearn() throws {
        for (k, c) in try Self.cases().enumerated() {
            #expect(abs(try AUC.score(scores: c.score, labels: c.y) - c.auc) < 1e-12, "case \(k)")
            // Float32 scores: identical when rounding to Float32 keeps the order (the tied cases); case 3 has
            // distinct doubles that may collapse, so it gets a looser bound.
            let f = try AUC.score(scores: c.score.map { Float($0) }, labels: c.y.map { Float($0) })
            #expect(abs(f - c.auc) < (k == 3 ? 1e-4 : 1e-12), "case \(k) (Float32)")
            let curve = try AUC.curve(scores: c.score, labels: c.y)
            #expect(curve.falsePositiveRate.count == c.roc_fpr.count, "case \(k): \(curve.falsePositiveRate.count) points vs \(c.roc_fpr.count)")
            guard curve.falsePositiveRate.count == c.roc_fpr.count else { continue }
            #expect(zip(curve.falsePositiveRate, c.roc_fpr).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(curve.truePositiveRate, c.roc_tpr).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(curve.thresholds, c.roc_thresholds).allSatisfy { $0 == $1.double || abs($0 - $1.double) < 1e-12 })
            #expect(abs(curve.area - c.auc) < 1e-12)
            let fcurve = try AUC.curve(scores: c.score.map { Float($0) }, labels: c.y.map { Float($0) })
            if k < 3 { #expect(fcurve.truePositiveRate == curve.truePositiveRate && fcurve.falsePositiveRate == curve.falsePositiveRate) }
        }
    }

    @Test("AUC equals the O(n²) pair count, including negative scores, ±0 and large n (radix path)")
    func bruteForce() throws {
        var g = SeededGenerator(seed: 7)
        for n in [3, 50, 700, 5000] {
            let y = (0..<n).map { _ in Float(g.nextUniform() < 0.3 ? 1 : 0) }
            var s = (0..<n).map { i in Float((g.nextUniform() - 0.5 + 0.3 * Double(y[i])) * 8).rounded() / 4 }
            if n > 3 { s[0] = -0.0; s[1] = 0.0 }
            var yy = y
            yy[0] = 1; yy[1] = 0
            #expect(abs(try AUC.score(scores: s, labels: yy) - Self.bruteForceAUC(s, yy)) < 1e-12, "n = \(n)")
        }
    }

    @Test("Per-head, mean and micro-averaged AUC; errors for one class and NaN")
    func perHeadAndMicro() throws {
        var g = SeededGenerator(seed: 8)
        let n = 3000
        var scores = Matrix(rows: n, cols: 4), labels = Matrix(rows: n, cols: 4)
        for i in 0..<n { for h in 0..<4 {
            let y: Float = g.nextUniform() < 0.2 + 0.1 * Double(h) ? 1 : 0
            labels[i, h] = y
            scores[i, h] = Float(g.nextUniform() + Double(y) * 0.3 * Double(h + 1))
        } }
        let perHead = try AUC.perHead(scores: scores, labels: labels)
        for h in 0..<4 {
            let column = (0..<n).map { scores[$0, h] }, y = (0..<n).map { labels[$0, h] }
            #expect(perHead[h] == (try AUC.score(scores: column, labels: y)))
        }
        #expect(abs(try AUC.meanOverHeads(scores: scores, labels: labels) - perHead.reduce(0, +) / 4) < 1e-15)
        let micro = try AUC.microAveraged(scores: scores, labels: labels)
        #expect(micro == (try AUC.score(scores: scores.values, labels: labels.values)))
        let curve = try AUC.microAveragedCurve(scores: scores, labels: labels)
        #expect(abs(curve.area - micro) < 1e-12)
        #expect(curve.falsePositiveRate.first == 0 && curve.falsePositiveRate.last == 1 && curve.thresholds.first == .infinity)

        #expect(throws: PipelineError.self) { try AUC.score(scores: [0.1, 0.2], labels: [1, 1]) }
        #expect(throws: PipelineError.self) { try AUC.score(scores: [0.1, Float.nan], labels: [0, 1]) }
        var oneClass = labels
        for i in 0..<n { oneClass[i, 2] = 0 }
        #expect(throws: PipelineError.self) { try AUC.perHead(scores: scores, labels: oneClass) }
    }

    @Test("GAUC: per-user AUC weighted by edges, one-class users skipped")
    func gauc() throws {
        // user 0: scores (pos 0.9, neg 0.1, neg 0.5) -> AUC 1 over 3 edges
        // user 1: (pos 0.2, neg 0.6, pos 0.6) -> pairs (0.2<0.6)=0, (0.6=0.6)=0.5 -> 0.25 over 3 edges
        // user 2: only positives -> skipped; user 5: only negatives -> skipped
        let users: [Int32] = [0, 1, 0, 2, 1, 0, 1, 5]
        let scores: [Float] = [0.9, 0.2, 0.1, 0.3, 0.6, 0.5, 0.6, 0.4]
        let labels: [Float] = [1, 1, 0, 1, 0, 0, 1, 0]
        let r = try GAUC.score(users: users, scores: scores, labels: labels)
        #expect(r.usersUsed == 2 && r.usersSkipped == 2 && r.edgesUsed == 6)
        #expect(abs(r.value! - (3 * 1.0 + 3 * 0.25) / 6) < 1e-15)
        let m = try GAUC.perHead(users: users, scores: Matrix(rows: 8, cols: 1, values: scores), labels: Matrix(rows: 8, cols: 1, values: labels))
        #expect(m[0] == r)
        #expect(try GAUC.score(users: [0, 0], scores: [0.1, 0.2], labels: [1, 1]).value == nil)
    }

    /// AUC as the Mann-Whitney statistic from average ranks (ties share their mean rank), for the check below.
    static func rankSumAUC(scores: [Float], labels: [Float]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, positives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { rankSum += rank; positives += 1 }
            i = j + 1
        }
        let negatives = Double(scores.count) - positives
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    @Test("2.1M predictions x 4 heads: per-head AUCs match the rank-sum statistic (timing printed, not asserted)")
    func atScale() throws {
        var g = SeededGenerator(seed: 9)
        let n = 2_129_065
        var scores = Matrix(rows: n, cols: 4), labels = Matrix(rows: n, cols: 4)
        for i in 0..<(n * 4) {
            let y: Float = g.nextUniform() < 0.3 ? 1 : 0
            labels.values[i] = y
            scores.values[i] = Float(g.nextUniform() * 0.8 + Double(y) * 0.2)
        }
        let column = (0..<n).map { scores[$0, 0] }, columnLabels = (0..<n).map { labels[$0, 0] }
        let t0 = Date()
        let one = try AUC.score(scores: column, labels: columnLabels)
        let t1 = Date()
        let all = try AUC.perHead(scores: scores, labels: labels)
        let t2 = Date()
        let expected = Self.rankSumAUC(scores: column, labels: columnLabels)
        #expect(abs(one - expected) < 1e-9, "\(one) vs \(expected)")
        #expect(all[0] == one)
        #expect(all.allSatisfy { $0 > 0.6 && $0 < 0.8 })
        print("AUC timing: one head \(String(format: "%.3f", t1.timeIntervalSince(t0))) s (incl. column copy), 4 heads \(String(format: "%.3f", t2.timeIntervalSince(t1))) s, n = \(n)")
    }
}
