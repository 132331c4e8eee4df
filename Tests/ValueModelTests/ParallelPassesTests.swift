import Foundation
import Testing
@testable import ValueModel

/// The passes that split their rows into fixed parts, one core each: the EdgeMLP training step (`TrainingShards`)
/// and the logistic regression's Newton passes. Each must give what the whole batch gives at once, and the same
/// bits whatever the thread count.
@Suite("Parallel passes: shards and blocks", .serialized)
struct ParallelPassesTests {
    /// Runs `body` with `threads` engine threads, restoring the previous count.
    static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = LearningThreads.count
        LearningThreads.configure(threads: threads)
        defer { LearningThreads.configure(threads: previous) }
        return try body()
    }

    /// Uniform draws in [-1, 1).
    static func uniform(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUniform() * 2 - 1) }
    }

    @Test("EdgeMLP: a 2,500-row batch in shards of 1,024 gives the whole batch's loss, logits and gradients, bit for bit the same on 1 and 2 threads")
    func edgeMLPShardsMatchTheWholeBatch() throws {
        var generator = SeededGenerator(seed: 11)
        let rows = 3000, d = 64, n = 2500
        let features = Self.uniform(rows * d, &generator)
        let labels = (0..<(rows * 4)).map { _ in Float(generator.next() % 3 == 0 ? 1 : 0) }
        let edges = try EdgeExamples(features: Matrix(rows: rows, cols: d, values: features),
                                     labels: Matrix(rows: rows, cols: 4, values: labels))
        let model = EdgeMLP(generator: &generator)
        let batch = drawBatch(size: n, from: rows, using: &generator)

        // Reference: the whole batch through the head at once (the path the PyTorch fixtures check), one thread.
        let (referenceLoss, referenceLogits, referenceGradients) = Self.withThreads(1) {
            let head = MLPHead(store: model.parameters, prefix: "net")
            var x = [Float](), y = [Float]()
            for e in batch.map(Int.init) {
                x += features[(e * d)..<((e + 1) * d)]
                y += labels[(e * 4)..<((e + 1) * 4)]
            }
            var acts = [Float](repeating: 0, count: n * MLPHead.activationWidth)
            var dlogits = [Float](repeating: 0, count: n * 4)
            var scratch = [Float](repeating: 0, count: MLPHead.scratchCount(rows: n))
            var logits = [Float]()
            var loss = 0.0
            acts.withUnsafeMutableBufferPointer { a in
                let out = head.forward(x, activations: a.baseAddress!, rows: n)
                logits = Array(UnsafeBufferPointer(start: out, count: n * 4))
                loss = bceWithLogits(logits: out, labels: y, dlogits: &dlogits, count: n * 4)
                model.parameters.zeroGradients()
                head.backward(dlogits, input: x, activations: a.baseAddress!, dx: nil, scratch: &scratch, rows: n)
            }
            return (loss, logits, model.parameters.gradients.toArray())
        }

        let oneThread = try Self.withThreads(1) { () throws -> (Double, [Float]) in
            let loss = try model.forwardBackward(edges: edges, batch: batch)
            return (loss, model.parameters.gradients.toArray())
        }
        let twoThreads = try Self.withThreads(2) { () throws -> (Double, [Float], [Float]) in
            let loss = try model.forwardBackward(edges: edges, batch: batch)
            return (loss, model.lastLogits, model.parameters.gradients.toArray())
        }
        #expect(abs(twoThreads.0 - referenceLoss) <= 1e-6 * referenceLoss, "loss \(twoThreads.0) vs \(referenceLoss)")
        LearningReferenceTests.expectClose(twoThreads.1, referenceLogits, "logits")
        for entry in model.parameters.entries {
            let range = entry.offset..<(entry.offset + entry.count)
            LearningReferenceTests.expectClose(Array(twoThreads.2[range]), Array(referenceGradients[range]), "d \(entry.name)")
        }
        #expect(oneThread.0 == twoThreads.0)
        #expect(oneThread.1 == twoThreads.2, "gradients differ between 1 and 2 threads")
    }

    /// 150,000 rows of six uniform features with planted weights `truth` and intercept −0.7.
    private static let planted: (features: Matrix, labels: [Float], truth: [Double]) = {
        var generator = SeededGenerator(seed: 5)
        let n = 150_000, d = 6
        let truth: [Double] = [0.8, -0.5, 0.3, 0, 1.2, -0.9], intercept = -0.7
        let x = uniform(n * d, &generator)
        let y: [Float] = (0..<n).map { i in
            var z = intercept
            for j in 0..<d { z += truth[j] * Double(x[i * d + j]) }
            return generator.nextUniform() < 1 / (1 + exp(-z)) ? 1 : 0
        }
        return (Matrix(rows: n, cols: d, values: x), y, truth)
    }()

    /// The largest entry of the penalised objective's gradient (C = 1) at `fit`, relative to the one at zero,
    /// summed here row by row in Float64: ∇ = Σ_i (p_i − y_i) [x_i, 1] + [w / C, 0].
    private static func relativeGradient(at fit: LogisticRegression, features: Matrix, labels y: [Float]) -> Double {
        let n = features.rows, d = features.cols, x = features.values
        func gradient(_ w: [Double], _ b: Double) -> [Double] {
            var g = w + [0]
            for i in 0..<n {
                var z = b
                for j in 0..<d { z += w[j] * Double(x[i * d + j]) }
                let r = 1 / (1 + exp(-z)) - Double(y[i])
                for j in 0..<d { g[j] += r * Double(x[i * d + j]) }
                g[d] += r
            }
            return g
        }
        let atFit = gradient(fit.coefficients, fit.intercept).map(abs).max() ?? .infinity
        let atZero = gradient([Double](repeating: 0, count: d), 0).map(abs).max() ?? 0
        return atFit / atZero
    }

    @Test("Logistic regression on 150,000 rows (three blocks): the penalised objective's gradient, summed here in Float64, vanishes at the fit, and the fit is bit for bit the same on 1 and 2 threads")
    func logisticRegressionBlocks() throws {
        let (features, y, truth) = Self.planted
        let one = try Self.withThreads(1) { try LogisticRegression.fit(features: features, labels: y) }
        let two = try Self.withThreads(2) { try LogisticRegression.fit(features: features, labels: y) }
        #expect(one == two, "fits differ between 1 and 2 threads")
        let relative = Self.relativeGradient(at: two, features: features, labels: y)
        #expect(relative <= 1e-6, "largest gradient entry at the fit is \(relative) of the one at zero")
        for j in 0..<truth.count { #expect(abs(two.coefficients[j] - truth[j]) < 0.05, "w[\(j)] = \(two.coefficients[j]), planted \(truth[j])") }
    }

    @Test("Logistic regression started from a subsample's fit (every eighth chunk, C scaled): the same optimum as from zero, with fewer full passes")
    func logisticRegressionWarmStart() throws {
        let (features, y, _) = Self.planted
        let cold = try LogisticRegression.fit(features: features, labels: y, warmStartRows: .max)
        let warm = try LogisticRegression.fit(features: features, labels: y, warmStartRows: 100_000)
        let relative = Self.relativeGradient(at: warm, features: features, labels: y)
        #expect(relative <= 1e-6, "largest gradient entry at the warm-started fit is \(relative) of the one at zero")
        for j in 0..<features.cols {
            #expect(abs(warm.coefficients[j] - cold.coefficients[j]) < 1e-6, "w[\(j)]: \(warm.coefficients[j]) warm, \(cold.coefficients[j]) cold")
        }
        #expect(abs(warm.intercept - cold.intercept) < 1e-6)
        #expect(warm.iterations < cold.iterations, "\(warm.iterations) full iterations warm, \(cold.iterations) cold")
    }
}
