extension ActorCritic {
    /// The policy's probability of every item `[items]` at the next turn of a session that showed `shown` (in order)
    /// with rewards `rewards`, normalised into the state by `normalisation` (in training: the trainer's
    /// `normalisation`; on true rewards, DORL uses the true table's range). Items already shown get 0. The user does
    /// not enter: DORL's KuaiEnv state has no user part. For step 5's off-policy estimators and simulators; a
    /// `RankingPolicy` adapter needs the shown items in order, which that protocol's `shown: [Bool]` does not carry.
    public func probabilities(shown: [Int32], rewards: [Float], normalisation: RewardNormalisation) throws -> [Double] {
        let c = configuration
        guard shown.count == rewards.count, shown.count < c.items,
              shown.allSatisfy({ $0 >= 0 && Int($0) < c.items }), Set(shown).count == shown.count, rewards.allSatisfy(\.isFinite) else {
            throw PipelineError.invalidData("a history of \(shown.count) distinct items in 0..<\(c.items) with as many finite rewards is needed; got \(shown.count) items and \(rewards.count) rewards")
        }
        let w = ActorCriticWorkspace(c, capacity: 1)
        var sum = [Float](repeating: 0, count: c.featureWidth + 1)
        let items = shown + [0], paddedRewards = rewards + [0]   // never empty, so the buffers have addresses
        let (meanWeight, startWeight) = tracker.compose(items: items, rewards: paddedRewards, turn: shown.count, normalisation: normalisation, sum: &sum)
        tracker.assemble(sums: sum, meanWeights: [meanWeight], startWeights: [startWeight], start: start, rows: 1, into: w.states)
        forward(w, rows: 1)
        var scratch = [Float](repeating: 0, count: scratchCount), e = [Float](repeating: 0, count: c.items)
        return scratch.withUnsafeMutableBufferPointer { scratch in
            let z = logits(w, row: 0, scratch: scratch.baseAddress!)
            let row = MaskedSoftmax.exponentiate(z, count: c.items, masked: items, maskedCount: shown.count, into: &e)
            return e.map { Double($0) / row.sum }
        }
    }
}
