/// Z-score statistics of the edge features, from training edges only: mean and sample standard deviation
/// (n − 1) per column, accumulated in Float64; a column whose std is below 1e-6 gets std 1.
public struct Standardisation: Codable, Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    /// Statistics of the rows `rows` of a row-major `[_, width]` matrix.
    public init(matrix: [Float], width: Int, rows: [Int64]) {
        var sum = [Double](repeating: 0, count: width)
        for row in rows {
            let base = Int(row) * width
            for column in 0..<width { sum[column] += Double(matrix[base + column]) }
        }
        let count = Double(rows.count)
        mean = sum.map { $0 / max(count, 1) }
        var squares = [Double](repeating: 0, count: width)
        for row in rows {
            let base = Int(row) * width
            for column in 0..<width {
                let deviation = Double(matrix[base + column]) - mean[column]
                squares[column] += deviation * deviation
            }
        }
        std = squares.map { count > 1 ? ($0 / (count - 1)).squareRoot() : 0 }.map { $0 < 1e-6 ? 1 : $0 }
    }

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// Standardises one row of features in place: `(x − mean) / std`.
    @inline(__always)
    public func apply(_ row: UnsafeMutableBufferPointer<Float>) {
        for column in 0..<row.count { row[column] = Float((Double(row[column]) - mean[column]) / std[column]) }
    }
}
