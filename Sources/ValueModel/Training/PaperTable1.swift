/// The paper's Table 1: per-head train, validation and test AUC of its four models on the real KuaiRec 2.0 data
/// (*Learning a Multi-Head Value Model for Short-Video Recommendation with GNNs*, CS230 final report, Table 1;
/// the test columns are quoted in the project's SPEC, "Paper Table 1"). Notebook 3 prints it next to this run's.
public enum PaperTable1 {
    /// One model of the table; per-head AUCs in `Head` order (complete, long, rewatch, neg).
    public struct Row: Sendable {
        public var model: String
        public var train: SplitAUC
        public var validation: SplitAUC
        public var test: SplitAUC
    }

    /// The four models in the paper's order.
    public static let rows: [Row] = [
        Row(model: "Logistic regression", train: SplitAUC(perHead: [0.8268, 0.7703, 0.8304, 0.8588]),
            validation: SplitAUC(perHead: [0.8239, 0.7697, 0.8307, 0.8573]), test: SplitAUC(perHead: [0.8297, 0.7718, 0.8315, 0.8617])),
        Row(model: "Edge MLP (hidden = 128)", train: SplitAUC(perHead: [0.8498, 0.8232, 0.8564, 0.8654]),
            validation: SplitAUC(perHead: [0.8442, 0.8183, 0.8521, 0.8614]), test: SplitAUC(perHead: [0.8485, 0.8198, 0.8537, 0.8658])),
        Row(model: "GNN (hidden = 64)", train: SplitAUC(perHead: [0.8548, 0.8317, 0.8702, 0.8677]),
            validation: SplitAUC(perHead: [0.8454, 0.8189, 0.8545, 0.8625]), test: SplitAUC(perHead: [0.8492, 0.8213, 0.8566, 0.8657])),
        Row(model: "GNN (hidden = 128)", train: SplitAUC(perHead: [0.8514, 0.8302, 0.8685, 0.8692]),
            validation: SplitAUC(perHead: [0.8411, 0.8160, 0.8511, 0.8614]), test: SplitAUC(perHead: [0.8446, 0.8194, 0.8541, 0.8649])),
    ]
}
