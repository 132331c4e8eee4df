/// The counterfactual edge features of SPEC step 4, split into the part that depends only on the session and
/// the part that depends only on the candidate video, both already standardised with step 2's statistics:
/// `standardised([session columns of the session || item columns of the video]) = sessionBlock[s] + videoBlock[v]`,
/// because z-scoring is per column. The first layer of the edge MLP is linear, so this split carries over to
/// it (`DecomposedScorer`).
///
/// - Session columns (everything not `i_*`): the user columns and the burst/session/ctx/hist columns of the
///   session's first row, with the author-history trio overwritten by "no earlier row of this author"
///   (`hist_has_author_history` 0, `hist_author_recency_days` 0, `hist_last_complete_author` 0). A deliberate
///   deviation: the original writes 60 days of recency, a value no training edge has (the column counts days
///   within a burst; a row without an earlier row of its author is missing there, which step 2 fills with 0),
///   so every candidate sat far outside the training data on that column (`originalAuthorRecencyDays`).
/// - Item columns (`i_*`): the video's columns from its first row in step 1's table (`i_age_since_upload_days`
///   is therefore the video's age at that row, not at the session: a documented approximation).
/// Missing values are 0 before standardisation, as in step 2's edge matrix.
public struct CounterfactualFeatures: Sendable {
    /// Positions of the item (`i_*`) columns in `EdgeFeatures.names`.
    public static let itemColumns: [Int] = EdgeFeatures.names.indices.filter { EdgeFeatures.names[$0].hasPrefix("i_") }
    /// Positions of every other column.
    public static let sessionColumns: [Int] = EdgeFeatures.names.indices.filter { !EdgeFeatures.names[$0].hasPrefix("i_") }
    /// The author-history columns overwritten for a pair the user never saw, with the values a logged row
    /// without an earlier row of its author has in step 2's edge matrix.
    public static let authorOverrides: [(name: String, value: Float)] = [
        ("hist_has_author_history", 0), ("hist_author_recency_days", 0), ("hist_last_complete_author", 0),
    ]
    /// `authorOverrides` by column position in `EdgeFeatures.names`.
    public static let authorOverrideColumns: [(column: Int, value: Float)] = authorOverrides.compactMap { o in
        EdgeFeatures.names.firstIndex(of: o.name).map { ($0, o.value) }
    }
    /// The original's counterfactual `hist_author_recency_days` (days), replaced by 0 (see above).
    public static let originalAuthorRecencyDays: Float = 60

    /// How many training standard deviations the original's 60 days lie from the column's training mean.
    public static func originalRecencyZScore(_ standardisation: Standardisation) -> Double? {
        guard let c = EdgeFeatures.names.firstIndex(of: "hist_author_recency_days"), c < standardisation.mean.count,
              standardisation.std[c] > 0 else { return nil }
        return (Double(originalAuthorRecencyDays) - standardisation.mean[c]) / standardisation.std[c]
    }

    /// Raw (unstandardised, missing = 0) session columns, item columns zero: `[sessions, 64]`.
    public var sessionRaw: [Float]
    /// Raw item columns, session columns zero: `[videos, 64]`.
    public var videoRaw: [Float]
    /// Standardised session part: session columns `(x − mean) / std`, item columns 0. `[sessions, 64]`.
    public var sessionBlock: [Float]
    /// Standardised video part: item columns `(x − mean) / std`, session columns 0. `[videos, 64]`.
    public var videoBlock: [Float]
    public var sessionCount: Int
    public var videoCount: Int
    public static var width: Int { EdgeFeatures.count }

    /// Builds the blocks from raw rows. `sessionRows[s]` and `videoRows[v]` are `[64]` raw feature rows (any
    /// row of the step-1 table); the session's item columns and the video's session columns are ignored.
    public init(sessionRaw: [Float], videoRaw: [Float], standardisation: Standardisation) throws {
        let w = CounterfactualFeatures.width
        guard standardisation.mean.count == w, standardisation.std.count == w else {
            throw PipelineError.invalidData("standardisation has \(standardisation.mean.count) columns, expected \(w)")
        }
        guard sessionRaw.count % w == 0, videoRaw.count % w == 0 else {
            throw PipelineError.invalidData("counterfactual feature rows must have \(w) columns")
        }
        sessionCount = sessionRaw.count / w
        videoCount = videoRaw.count / w
        var sRaw = sessionRaw, vRaw = videoRaw
        for s in 0..<sessionCount {
            for c in CounterfactualFeatures.itemColumns { sRaw[s * w + c] = 0 }
            for (c, value) in CounterfactualFeatures.authorOverrideColumns { sRaw[s * w + c] = value }
        }
        for v in 0..<videoCount {
            for c in CounterfactualFeatures.sessionColumns { vRaw[v * w + c] = 0 }
        }
        self.sessionRaw = sRaw
        self.videoRaw = vRaw
        var sBlock = [Float](repeating: 0, count: sRaw.count)
        var vBlock = [Float](repeating: 0, count: vRaw.count)
        let mean = standardisation.mean, std = standardisation.std
        for s in 0..<sessionCount {
            for c in CounterfactualFeatures.sessionColumns {
                sBlock[s * w + c] = Float((Double(sRaw[s * w + c]) - mean[c]) / std[c])
            }
        }
        for v in 0..<videoCount {
            for c in CounterfactualFeatures.itemColumns {
                vBlock[v * w + c] = Float((Double(vRaw[v * w + c]) - mean[c]) / std[c])
            }
        }
        sessionBlock = sBlock
        videoBlock = vBlock
    }

    /// The full standardised row of (session, video), computed directly from the raw columns (the reference
    /// the decomposition is tested against).
    public func standardisedRow(session s: Int, video v: Int, standardisation: Standardisation) -> [Float] {
        let w = CounterfactualFeatures.width
        var row = [Float](repeating: 0, count: w)
        for c in 0..<w {
            let raw = Double(sessionRaw[s * w + c] + videoRaw[v * w + c])   // one of the two is 0
            row[c] = Float((raw - standardisation.mean[c]) / standardisation.std[c])
        }
        return row
    }

    /// Reads the raw rows from step 1's columns, one column at a time (bounded memory at full size).
    /// - Parameters:
    ///   - sessionRows: the step-1 row of each session's first row.
    ///   - videoRows: the step-1 row of each candidate video's first row.
    public static func read(step1: ColumnStore, sessionRows: [Int], videoRows: [Int],
                            standardisation: Standardisation) throws -> CounterfactualFeatures {
        let w = width
        var sRaw = [Float](repeating: 0, count: sessionRows.count * w)
        var vRaw = [Float](repeating: 0, count: videoRows.count * w)
        let item = Set(itemColumns)
        for (c, name) in EdgeFeatures.names.enumerated() {
            let column = try step1.float32(name)
            if item.contains(c) {
                for (v, row) in videoRows.enumerated() { let x = column[row]; vRaw[v * w + c] = x.isNaN ? 0 : x }
            } else {
                for (s, row) in sessionRows.enumerated() { let x = column[row]; sRaw[s * w + c] = x.isNaN ? 0 : x }
            }
        }
        return try CounterfactualFeatures(sessionRaw: sRaw, videoRaw: vRaw, standardisation: standardisation)
    }
}

/// The candidate set: every video of the catalogue (ids `0..<videoNodes`) that has at least one row in step 1
/// (a video without rows has no item columns to score with), and the row each candidate's columns come from.
public struct CandidateVideos: Sendable {
    /// Video id of each candidate, ascending.
    public var videoIds: [Int32]
    /// Step-1 row of the candidate's first appearance.
    public var firstRows: [Int]
    /// Candidate index of each video id (−1 for a video without rows).
    public var indexOfVideo: [Int32]
    /// Video ids in the catalogue (`videoNodes` of step 2).
    public var catalogueSize: Int

    public var count: Int { videoIds.count }

    /// Scans step 1's `video_id` column.
    public init(videos: [Int32], catalogueSize: Int) throws {
        var first = [Int](repeating: -1, count: catalogueSize)
        for (row, v) in videos.enumerated() {
            guard v >= 0, Int(v) < catalogueSize else {
                throw PipelineError.invalidData("video id \(v) at step-1 row \(row) is outside the catalogue 0..<\(catalogueSize)")
            }
            if first[Int(v)] < 0 { first[Int(v)] = row }
        }
        var ids: [Int32] = [], rows: [Int] = []
        var index = [Int32](repeating: -1, count: catalogueSize)
        for v in 0..<catalogueSize where first[v] >= 0 {
            index[v] = Int32(ids.count)
            ids.append(Int32(v))
            rows.append(first[v])
        }
        videoIds = ids
        firstRows = rows
        indexOfVideo = index
        self.catalogueSize = catalogueSize
    }
}
