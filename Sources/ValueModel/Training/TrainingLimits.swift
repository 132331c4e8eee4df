/// The bounds step 3 puts on its options before it allocates anything.
extension TrainingStep {
    /// The largest `--batch-size` accepted (16M edges; the paper's is 4,096).
    public static let maximumBatchSize = 1 << 24
    /// The most runs of the chosen GNN (`--head-seeds`); each keeps its node embeddings in memory until written.
    public static let maximumHeadSeeds = 50
    /// Memory one batch row takes during a training step, an upper estimate for GNN-128: the gathered edge input
    /// `[2H + 64]`, the MLP's activations `[128, 128, 64, 4]` and their gradients in Float32, and the gradient
    /// scattered back to the two node embeddings (about 4 KiB), doubled for the allocator's slack.
    public static let bytesPerBatchRow = 8 * 1024
}
