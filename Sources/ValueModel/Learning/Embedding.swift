/// Embedding lookup `y[i] = table[index[i]]` and its backward, a scatter-add that touches only the rows
/// that were looked up (sparse row gradients).
///
/// The GNN reads its whole `node_emb.weight` table (the lookup of every node in order, as the original's
/// `x = self.node_emb.weight`), so it uses the table in place; the gather/scatter pair below is also what
/// builds `[h_user || h_video || x]` for a batch of edges.
enum Embedding {
    /// `y[i, :] = table[indices[i], :]`.
    // table: [numRows, width], indices: [n] -> y: [n, width]
    static func forward(_ y: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, indices: [Int32], width: Int) {
        gatherRowsKernel(y, table, indices, width: width, sourceStride: width, destinationStride: width)
    }

    /// `tableGrad[indices[i], :] += dy[i, :]` (repeated indices accumulate; untouched rows stay as they are).
    // dy: [n, width] -> tableGrad: [numRows, width]
    static func backward(_ tableGrad: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, indices: [Int32], width: Int) {
        scatterAddRowsKernel(tableGrad, dy, indices, width: width, targetStride: width, gradStride: width)
    }
}
