/// The knobs of the learned user model (DORL's `run_worldModel_ensemble.py` defaults for KuaiEnv where they apply).
public struct UserModelSettings: Codable, Equatable, Sendable {
    /// How training rows are weighted.
    public enum Weighting: String, Codable, CaseIterable, Sendable {
        /// Every row counts once (`run_worldModel_ensemble.py`).
        case none
        /// DORL's IPS arm (`run_worldModel_IPS.py`): `1 / n_v`, the inverse of the video's training rows.
        case inversePopularity = "inverse-popularity"
    }

    /// Ensemble members (DORL: `--n_models 5`).
    public var members = 5
    /// Width of the user and video id embeddings (DORL: `--entity_dim 8` for KuaiEnv).
    public var embedding = 16
    /// Widths of the DNN's two hidden layers (DORL: `--dnn 128 128`).
    public var firstHidden = 128
    public var secondHidden = 128
    /// Adam's learning rate (PyTorch's default, as DORL's `adam`).
    public var learningRate: Float = 1e-3
    /// Rows per Adam step (DORL for KuaiEnv: 4096).
    public var batchSize = 4096
    /// Passes over the training rows at most, and passes without a better validation loss before stopping (DORL
    /// trains a fixed 5 epochs without early stopping).
    public var maxEpochs = 20
    public var patience = 3
    public var weighting = Weighting.none
    /// The seed of the whole fit: member `k` draws its initialisation and its epochs' row orders from a generator
    /// split off this one.
    public var seed: UInt64 = 2026

    /// The defaults above.
    public init() {}

    /// Throws a typed error naming the first knob out of range.
    public func validate() throws {
        let checks: [(String, Bool, String)] = [
            ("members", members >= 1 && members <= 64, "must be in 1...64"),
            ("embedding", embedding >= 1 && embedding <= 1024, "must be in 1...1024"),
            ("firstHidden", firstHidden >= 1 && firstHidden <= 4096, "must be in 1...4096"),
            ("secondHidden", secondHidden >= 1 && secondHidden <= 4096, "must be in 1...4096"),
            ("learningRate", learningRate.isFinite && learningRate > 0, "must be a positive number"),
            ("batchSize", batchSize >= 1 && batchSize <= 1 << 20, "must be in 1...1048576"),
            ("maxEpochs", maxEpochs >= 1 && maxEpochs <= 10_000, "must be in 1...10000"),
            ("patience", patience >= 1, "must be at least 1"),
        ]
        for (name, ok, reason) in checks where !ok { throw PipelineError.invalidOption(name: name, reason: reason) }
    }
}
