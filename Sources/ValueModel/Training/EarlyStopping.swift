/// The original's early-stopping rule, one counter per head (SPEC step 3, `3. training_GNN.ipynb`):
///
/// - after every step the validation AUC of each head is compared with that head's best so far; a strictly
///   larger AUC becomes the new best and resets the head's counter, anything else adds one to it;
/// - the weights are kept whenever *any* head improved (so the kept step is the last step where some head
///   improved, not the step with the best mean);
/// - training stops when every head has gone `patience` steps without improving.
///
/// A head whose AUC is undefined (NaN: one class only) is skipped, as the original does: its counter does not
/// move.
public struct EarlyStopping: Codable, Sendable, Equatable {
    /// Steps a head may go without improving.
    public let patience: Int
    /// Best validation AUC per head so far (`-∞` before the first observation).
    public private(set) var best: [Double]
    /// Steps since each head last improved.
    public private(set) var stalled: [Int]
    /// The step (1-based, as counted by `observe`) whose weights should be kept; nil before any improvement.
    public private(set) var bestStep: Int?
    /// Observations so far.
    public private(set) var steps = 0

    /// A fresh rule for `heads` heads.
    public init(heads: Int = 4, patience: Int = 20) {
        precondition(heads > 0 && patience > 0, "early stopping needs heads and a positive patience")
        self.patience = patience
        best = [Double](repeating: -.infinity, count: heads)
        stalled = [Int](repeating: 0, count: heads)
    }

    /// Records one step's validation AUCs `[heads]`; returns true when at least one head improved
    /// (the caller then keeps a copy of the weights).
    @discardableResult
    public mutating func observe(_ aucs: [Double]) -> Bool {
        precondition(aucs.count == best.count, "expected \(best.count) head AUCs, got \(aucs.count)")
        steps += 1
        var improved = false
        for h in aucs.indices where !aucs[h].isNaN {
            if aucs[h] > best[h] {
                best[h] = aucs[h]
                stalled[h] = 0
                improved = true
            } else {
                stalled[h] += 1
            }
        }
        if improved { bestStep = steps }
        return improved
    }

    /// Whether these counters can be those of a rule for `heads` heads after `steps` observations (a saved state
    /// is checked with this before training continues from it).
    func isConsistent(heads: Int, steps: Int) -> Bool {
        patience > 0 && best.count == heads && stalled.count == heads && self.steps == steps
            && stalled.allSatisfy { (0...max(steps, 0)).contains($0) } && (bestStep.map { $0 >= 1 && $0 <= steps } ?? true)
    }

    /// True when every head has gone `patience` steps without improving.
    public var shouldStop: Bool { stalled.allSatisfy { $0 >= patience } }
}
