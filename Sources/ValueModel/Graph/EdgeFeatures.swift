/// The 64 edge features of the GNN, in the original's order (SPEC appendix), and the edge table built
/// from step 1's columns: one contiguous row-major Float32 matrix `[edges, 64]` with missing values set to 0
/// (the original does this at the start of step 3) and categorical columns as their integer codes
/// (missing category = -1, as pandas' `cat.codes`).
public enum EdgeFeatures {
    /// The feature names, in column order.
    public static let names: [String] = ["burst_id", "session"] + UserFeatureTable.columnNames
        + ["i_aspect_ratio"] + ItemFeatureTable.categoricalNames.map { "i_" + $0 }
        + ["i_video_duration", "i_age_since_upload_days", "i_cat_level1_id", "i_cat_level2_id", "i_cat_level3_id",
           "ctx_hour_sin", "ctx_hour_cos", "ctx_is_weekend",
           "hist_ema_y_complete", "hist_ema_y_long", "hist_ema_y_rewatch", "hist_ema_y_neg", "hist_ema_watchratio",
           "hist_cat_ema_complete", "hist_cat_entropy_l2", "hist_author_recency_days", "hist_last_complete_author",
           "hist_has_author_history", "hist_prev_sess_len", "hist_intersess_gap_h"]

    /// Number of features.
    public static var count: Int { names.count }

    /// Builds the `[rows, 64]` matrix from a step-1 column store, one column at a time.
    public static func matrix(from store: ColumnStore) throws -> [Float] {
        let rows = store.rows
        let width = names.count
        var matrix = [Float](repeating: 0, count: rows * width)
        for (feature, name) in names.enumerated() {
            let column = try store.float32(name)
            matrix.withUnsafeMutableBufferPointer { out in
                column.withUnsafeBufferPointer { values in
                    let ranges = contiguousRanges(rows, parts: 8)
                    parallelFor(chunks: ranges.count) { part in
                        for row in ranges[part] {
                            let value = values[row]
                            out[row * width + feature] = value.isNaN ? 0 : value
                        }
                    }
                }
            }
        }
        return matrix
    }
}
