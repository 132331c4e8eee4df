/// How one policy compares with another on the same simulated users (common random numbers): the mean paired
/// difference lies more than `PolicyThresholds.pairedStandardErrors` standard errors above 0, below 0, or within.
/// Notebooks 5 and 6 decide every such comparison with it.
public enum PairedVerdict: String, Codable, Sendable, CaseIterable {
    case ahead, behind, notToldApart

    /// The verdict on a mean paired difference and its standard error (a NaN standard error tells nothing apart).
    public init(difference: Double, standardError: Double) {
        let margin = PolicyThresholds.pairedStandardErrors * standardError
        if difference > margin {
            self = .ahead
        } else if difference < -margin {
            self = .behind
        } else {
            self = .notToldApart
        }
    }
}
