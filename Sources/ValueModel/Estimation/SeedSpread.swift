/// How much an estimate moves between runs that differ only in their seeds (weight initialisation and batch
/// draws), and the interval that adds this to the sampling error.
public enum SeedSpread {
    /// Per coordinate, the sample standard deviation (n − 1) of `vectors`; NaN with fewer than two.
    public static func standardDeviations(_ vectors: [[Double]]) -> [Double] {
        guard let width = vectors.first?.count else { return [] }
        let n = Double(vectors.count)
        return (0..<width).map { j in
            guard vectors.count > 1 else { return .nan }
            let mean = vectors.map { $0[j] }.reduce(0, +) / n
            return (vectors.map { ($0[j] - mean) * ($0[j] - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        }
    }

    /// Half-widths `1.96 √(s.e.² + sd² / members)` of a 95% interval around an estimate made from the mean of
    /// `members` runs' predictions, with `spread` the one-run standard deviation over seeds (members varying
    /// independently).
    public static func combinedHalfWidths(standardErrors: [Double], spread: [Double], members: Int) -> [Double] {
        zip(standardErrors, spread).map { se, sd in 1.96 * (se * se + sd * sd / Double(max(members, 1))).squareRoot() }
    }
}
