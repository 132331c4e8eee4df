/// The four engagement heads (SPEC step 1.3), in the order every later step uses.
public enum Head: Int, CaseIterable, Sendable, Codable {
    case complete, long, rewatch, negative

    /// Column name of the label.
    public var labelName: String {
        ["y_complete", "y_long", "y_rewatch", "y_neg"][rawValue]
    }

    /// Short display name.
    public var displayName: String {
        ["complete", "long", "rewatch", "neg"][rawValue]
    }

    /// Every head's label column name, in head order (`y_complete`, …).
    public static let labelNames = allCases.map(\.labelName)
    /// Every head's display name, in head order (`complete`, …).
    public static let displayNames = allCases.map(\.displayName)

    /// The label of one interaction: `watch_ratio >= 1`; `play >= 12 s or watch_ratio >= 1.5`;
    /// `watch_ratio >= 2`; `play <= 2 s`.
    @inline(__always)
    public func label(playDurationMs: Double, watchRatio: Double) -> Int8 {
        switch self {
        case .complete: return watchRatio >= 1 ? 1 : 0
        case .long: return playDurationMs >= 12_000 || watchRatio >= 1.5 ? 1 : 0
        case .rewatch: return watchRatio >= 2 ? 1 : 0
        case .negative: return playDurationMs <= 2000 ? 1 : 0
        }
    }

    /// The label column for every interaction.
    public func labels(playDurationMs: [Double], watchRatio: [Double]) -> [Int8] {
        zip(playDurationMs, watchRatio).map { label(playDurationMs: $0, watchRatio: $1) }
    }
}
