import Foundation
import Testing
@testable import ValueModel

/// The A2C engine's per-session kernels against plain loops written here: the item panels' two products, the
/// exponential of a logit minus its row's maximum, and the sampler's block skipping.
@Suite("Reinforcement: per-session kernels")
struct ReinforcementKernelTests {
    /// `X u` and `Xᵀ v` in Float64 from `X` `[items, d]`.
    static func reference(_ x: [Float], items: Int, d: Int, u: [Float], v: [Float]) -> (scores: [Double], product: [Double]) {
        let scores = (0..<items).map { j in (0..<d).reduce(0.0) { $0 + Double(x[j * d + $1]) * Double(u[$1]) } }
        let product = (0..<d).map { k in (0..<items).reduce(0.0) { $0 + Double(x[$1 * d + k]) * Double(v[$1]) } }
        return (scores, product)
    }

    @Test("Item panels: z = X u and g = Xᵀ dz agree with plain sums, for item counts off a multiple of 8 and widths off 4",
          arguments: [(37, 5), (40, 12), (203, 3), (9, 4)])
    func panels(items: Int, d: Int) {
        var g = SeededGenerator(seed: UInt64(items * 100 + d))
        let x = (0..<(items * d)).map { _ in Float(g.nextNormal()) }
        let u = (0..<d).map { _ in Float(g.nextNormal()) }
        let v = (0..<items).map { _ in Float(g.nextNormal()) }
        let panels = x.withUnsafeBufferPointer { ItemPanels(features: $0.baseAddress!, items: items, width: d) }
        #expect(panels.paddedItems % 8 == 0 && panels.paddedItems >= items && panels.paddedItems < items + 8)
        var z = [Float](repeating: .nan, count: panels.paddedItems)
        panels.scores(u, into: &z)
        var padded = v + [Float](repeating: 0, count: panels.paddedItems - items)
        var product = [Float](repeating: .nan, count: d)
        panels.transposedProduct(&padded, into: &product)
        let expected = Self.reference(x, items: items, d: d, u: u, v: v)
        for j in 0..<items { #expect(abs(Double(z[j]) - expected.scores[j]) < 1e-5, "item \(j)") }
        for j in items..<panels.paddedItems { #expect(z[j] == 0, "padding \(j)") }
        for k in 0..<d { #expect(abs(Double(product[k]) - expected.product[k]) < 1e-4 * Double(items), "feature \(k)") }
    }

    @Test("exp8NonPositive is exp8 on [−87.3, 0] and exactly 0 below, masked logits included")
    func nonPositiveExponential() {
        for i in 0...2000 {
            let x = SIMD8<Float>(repeating: -Float(i) * 0.04365)   // 0 down to −87.3
            #expect(exp8NonPositive(x) == exp8(x), "x = \(x[0])")
        }
        for x: Float in [-87.31, -100, -1e30, MaskedSoftmax.maskedLogit - 3] {
            #expect(exp8NonPositive(SIMD8<Float>(repeating: x)) == SIMD8<Float>(), "x = \(x)")
        }
    }

    @Test("The masked softmax's exponentials, block sums and total against exp in Float64")
    func exponentials() {
        let n = 3 * MaskedSoftmax.block + 45   // four blocks, the last one partial
        var g = SeededGenerator(seed: 5)
        let logits = (0..<n).map { _ in Float(g.nextNormal() * 3) }
        var z = logits
        let masked: [Int32] = [0, 17, 300, Int32(n - 1)]
        var e = [Float](repeating: .nan, count: n)
        var blockSums = [Double](repeating: .nan, count: MaskedSoftmax.blocks(n))
        let row = MaskedSoftmax.exponentiate(&z, count: n, masked: masked, maskedCount: masked.count, into: &e, blockSums: &blockSums)
        let open = (0..<n).filter { !masked.contains(Int32($0)) }
        let top = open.map { Double(logits[$0]) }.max() ?? 0
        #expect(Double(row.maximum) == top)
        for j in 0..<n {
            let expected = masked.contains(Int32(j)) ? 0 : exp(Double(logits[j]) - top)
            #expect(abs(Double(e[j]) - expected) <= 1e-6 * expected, "item \(j)")
        }
        for b in 0..<blockSums.count {
            let block = (b * MaskedSoftmax.block)..<min((b + 1) * MaskedSoftmax.block, n)
            let expected = block.reduce(0.0) { $0 + Double(e[$1]) }
            #expect(abs(blockSums[b] - expected) <= 1e-6 * expected, "block \(b)")
        }
        #expect(row.sum == blockSums.reduce(0, +))
        let weighted = open.reduce(0.0) { $0 + Double(e[$1]) * Double(logits[$1]) }
        #expect(abs(row.weightedLogits - weighted) <= 1e-5 * abs(weighted) + 1e-6)
    }

    /// Weights that are small integers, so that every partial sum is exact: the sampler's block skipping must then
    /// pick exactly the item a plain cumulative walk picks.
    @Test("Sampling skips whole blocks by their sums and picks the item a plain cumulative walk picks")
    func blockSampling() {
        let n = 3 * MaskedSoftmax.block + 45
        var g = SeededGenerator(seed: 6)
        var e = (0..<n).map { _ in Float(g.next() % 4) }   // 0 (as a masked item), 1, 2 or 3
        for j in 0..<40 { e[j] = 0 }                         // a first block that is mostly empty
        let blocks = MaskedSoftmax.blocks(n)
        let blockSums = (0..<blocks).map { b in
            ((b * MaskedSoftmax.block)..<min((b + 1) * MaskedSoftmax.block, n)).reduce(0.0) { $0 + Double(e[$1]) }
        }
        let sum = blockSums.reduce(0, +)
        func walk(_ u: Double) -> Int32 {
            var cumulative = 0.0
            for j in 0..<n where e[j] > 0 {
                cumulative += Double(e[j])
                if cumulative > u * sum { return Int32(j) }
            }
            return -1
        }
        for i in 0..<4000 {
            let u = Double(i) / 4000   // boundaries included: u · sum lands on partial sums
            #expect(MaskedSoftmax.sample(e, count: n, blockSums: blockSums, sum: sum, uniform: u) == walk(u), "u = \(u)")
        }
        // Non-finite or empty scores sample nothing.
        #expect(MaskedSoftmax.sample(e, count: n, blockSums: blockSums, sum: .nan, uniform: 0.5) == -1)
        #expect(MaskedSoftmax.sample(e, count: n, blockSums: blockSums, sum: 0, uniform: 0.5) == -1)
    }
}
