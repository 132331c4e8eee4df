/// Maps an optimiser's free vector `x` to head weights `w` (complete, long, rewatch, neg), `Σ|w| = 1`.
///
/// - `stageA` (original notebook, category matching): `x ∈ R³`, `w_raw = (x1, x2, x3, 1 − x1 − x2 − x3)`.
/// - `stageB` (original notebook, embedding matching, "w4 forced negative"):
///   `w_raw = (x1, x2, x3, −(1 − x1 − x2 − x3))` (negative only while `x1 + x2 + x3 < 1`).
/// - `free` (this pipeline's estimator): `x ∈ R⁴`, `w = x / Σ|x|`: every sign pattern, no prior on w.
/// Then `w = w_raw / Σ|w_raw|` (all zero stays zero). The original falls back to uniform weights when `Σ|w_raw| <
/// 1e-8`; under its two parametrisations that cannot happen (`Σ|w_raw| ≥ |x1| + |x2| + |x3| + |1 − x1 − x2 − x3| ≥ 1`),
/// so there is nothing to match.
public enum WeightParametrisation: String, Sendable, CaseIterable, Codable {
    case stageA = "stage-a"
    case stageB = "stage-b"
    case free

    /// Length of `x`.
    public var dimension: Int { self == .free ? 4 : 3 }

    /// The unnormalised weights.
    public func raw(_ x: [Double]) -> [Double] {
        precondition(x.count == dimension, "parametrisation \(rawValue) takes \(dimension) numbers")
        switch self {
        case .stageA: return [x[0], x[1], x[2], 1 - x[0] - x[1] - x[2]]
        case .stageB: return [x[0], x[1], x[2], -(1 - x[0] - x[1] - x[2])]
        case .free: return x
        }
    }

    /// `w = raw(x) / Σ|raw(x)|`.
    public func weights(_ x: [Double]) -> [Double] { WeightParametrisation.l1Normalised(raw(x)) }

    /// `v / Σ|v|` (zeros stay zeros).
    public static func l1Normalised(_ v: [Double]) -> [Double] {
        let norm = v.reduce(0) { $0 + abs($1) }
        return norm > 0 ? v.map { $0 / norm } : v
    }

    /// `dL/dx` from `dL/dw` (chain rule through the normalisation), for gradient-based optimisers.
    public func pullback(_ x: [Double], gradient g: [Double]) -> [Double] {
        let r = raw(x)
        let norm = r.reduce(0) { $0 + abs($1) }
        guard norm > 0 else { return [Double](repeating: 0, count: dimension) }
        let w = r.map { $0 / norm }
        // dw_i/dr_j = (δ_ij − w_i sign(r_j)) / norm
        let dot = zip(g, w).reduce(0) { $0 + $1.0 * $1.1 }
        let gr = (0..<4).map { j in (g[j] - dot * (r[j] >= 0 ? 1 : -1)) / norm }
        switch self {
        case .free: return gr
        case .stageA: return (0..<3).map { gr[$0] - gr[3] }
        case .stageB: return (0..<3).map { gr[$0] + gr[3] }
        }
    }
}
