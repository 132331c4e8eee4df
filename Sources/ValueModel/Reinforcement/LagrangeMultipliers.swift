import Foundation

/// RCPO's Lagrange multipliers (Tessler, Mankowitz and Mannor, "Reward Constrained Policy Optimization", ICLR 2019),
/// the constrained baseline TSCAC is compared against: one critic is trained on the combined reward
///
///     r = r_main + Σ_i λ_i σ_i r_i,
///
/// and the multipliers follow projected dual ascent toward the constraints `σ_i Ĵ_i ≥ σ_i C_i`:
///
///     λ_i ← max(0, λ_i + η σ_i (C_i − Ĵ_i)),
///
/// with Ĵ_i the current policy's estimate of E[Σ_t r_i] (or a per-step mean: Ĵ_i and C_i in the same units) and σ_i the
/// constraint's sense: +1 for a signal to keep **at least** C_i (complete, long watch, rewatch), −1 for a cost to keep
/// **at most** C_i (the neg head). So a cost enters the reward as `−λ_i · neg`, and its λ grows while Ĵ_neg > C_neg;
/// a signal to keep enters as `+λ_i r_i`, and its λ grows while Ĵ_i < C_i. Either way λ_i shrinks (down to 0) while
/// the constraint has slack, and at a fixed point either the constraint binds (Ĵ_i = C_i) or λ_i = 0.
public struct LagrangeMultipliers: Sendable, Codable, Equatable {
    /// Which side of the level a signal must stay on.
    public enum Sense: String, Sendable, Codable {
        /// `E[Σ r_i] ≥ C_i`: a signal to keep (σ = +1).
        case atLeast
        /// `E[Σ r_i] ≤ C_i`: a cost to hold down (σ = −1).
        case atMost

        /// σ: +1 or −1.
        public var sign: Double { self == .atLeast ? 1 : -1 }
    }

    /// One constraint: its level C_i and sense.
    public struct Constraint: Sendable, Codable, Equatable {
        public var level: Double
        public var sense: Sense

        /// The constraint `E[Σ r_i] ≥ level` (`.atLeast`) or `≤ level` (`.atMost`).
        public init(level: Double, sense: Sense) {
            self.level = level
            self.sense = sense
        }
    }

    /// The constraints, one per auxiliary signal, in the order the signals are passed.
    public let constraints: [Constraint]
    /// η, the dual step size.
    public let stepSize: Double
    /// λ_i ≥ 0.
    public private(set) var values: [Double]

    /// Multipliers for `constraints` with dual step `stepSize` (> 0), starting at `initial` (default all 0).
    public init(constraints: [Constraint], stepSize: Double, initial: [Double]? = nil) throws {
        guard !constraints.isEmpty, constraints.allSatisfy({ $0.level.isFinite }) else {
            throw PipelineError.invalidOption(name: "RCPO constraints", reason: "need at least one constraint, each with a finite level")
        }
        guard stepSize.isFinite, stepSize > 0 else {
            throw PipelineError.invalidOption(name: "RCPO dual step", reason: "must be finite and positive, got \(stepSize)")
        }
        let start = initial ?? [Double](repeating: 0, count: constraints.count)
        guard start.count == constraints.count, start.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw PipelineError.invalidOption(name: "RCPO initial multipliers", reason: "need \(constraints.count) finite values ≥ 0, got \(start)")
        }
        self.constraints = constraints
        self.stepSize = stepSize
        self.values = start
    }

    /// σ_i (C_i − Ĵ_i) for each constraint: positive where the estimate `estimates[i]` violates it, ≤ 0 where it holds.
    public func violations(estimates: [Double]) throws -> [Double] {
        guard estimates.count == constraints.count, estimates.allSatisfy(\.isFinite) else {
            throw PipelineError.invalidData("RCPO: need \(constraints.count) finite constraint estimates, got \(estimates)")
        }
        return zip(constraints, estimates).map { c, j in c.sense.sign * (c.level - j) }
    }

    /// One projected dual-ascent step: `λ_i ← max(0, λ_i + η σ_i (C_i − Ĵ_i))`, Ĵ_i = `estimates[i]`.
    public mutating func update(estimates: [Double]) throws {
        let gaps = try violations(estimates: estimates)
        for i in values.indices { values[i] = max(0, values[i] + stepSize * gaps[i]) }
    }

    /// `r_main + Σ_i λ_i σ_i r_i` for one step, `signals[i]` the auxiliary signal r_i.
    public func combinedReward(main: Double, signals: [Double]) throws -> Double {
        guard signals.count == constraints.count else {
            throw PipelineError.invalidData("RCPO: \(constraints.count) constraints but \(signals.count) signals")
        }
        return zip(zip(constraints, values), signals).reduce(main) { r, term in r + term.0.1 * term.0.0.sense.sign * term.1 }
    }

    /// The combined reward of many steps: `main` the main reward of each step, `signals` its auxiliary signals in
    /// constraint order.
    // main: [n], signals: [n, m] -> [n]
    public func combinedRewards(main: [Float], signals: [Float]) throws -> [Float] {
        let m = constraints.count
        guard signals.count == main.count * m else {
            throw PipelineError.invalidData("RCPO: \(main.count) steps of \(m) signals need \(main.count * m) values, got \(signals.count)")
        }
        let weights = zip(constraints, values).map { c, lambda in lambda * c.sense.sign }
        return main.indices.map { t in
            Float((0..<m).reduce(Double(main[t])) { r, i in r + weights[i] * Double(signals[t * m + i]) })
        }
    }
}
