import Foundation
import Reporting
import ValueModel

/// The text, tables and figures of notebooks/2-graph-construction.md.
struct GraphConstructionNotebook {
    let summary: GraphConstruction.Summary
    let artifacts: String
    let figures: String
    let seconds: Double
    let peakMiB: Double

    func build() throws -> Notebook {
        var page = Notebook(title: "Step 2 — graph construction")
        findings(&page)
        page.heading("What this step does")
        page.paragraph("""
            This step turns step 1's interaction table into the bipartite user–video graph the models train on, as \
            the original notebook `2. data_preparation_GNN.ipynb` does: one edge per interaction (user → video), \
            64 edge features, four labels, a time-based train/validation/test split by calendar day inside each \
            burst, a 5% "tiny" graph for hyperparameter sweeps, and z-score statistics from training edges only.
            """)
        counts(&page)
        splits(&page)
        try degrees(&page)
        notes(&page)
        page.heading("Timing and memory (this run)")
        page.paragraph("Step 2 took \(Format.fixed(seconds, 2)) s (including writing \(Format.fixed(Double(summary.findings.matrixBytes) / 1e6, 0)) MB of matrices) with a peak resident memory of \(Format.fixed(peakMiB, 0)) MiB. \(BLASKernel.description).")
        features(&page)
        return page
    }

    /// A degree as a count with separators, or with one decimal when it is not whole (a median between two values).
    static func count(_ value: Double) -> String {
        value.isFinite && value == value.rounded() ? Format.count(Int(value)) : Format.fixed(value, 1)
    }

    /// The opening list: what this run's graph is, and what to keep in mind when reading steps 3-6.
    private func findings(_ page: inout Notebook) {
        let f = summary.findings
        page.heading("Findings")
        var lines: [String] = []
        lines.append("**\(Format.count(summary.edges)) edges** (one per interaction, user → video) between \(Format.count(summary.userDegrees.count)) users and \(Format.count(summary.videoDegrees.count)) videos with at least one interaction (\(Format.count(summary.userNodes + summary.videoNodes)) nodes in all, ids without interactions kept as isolated nodes).")
        let shares = f.partShares.map { " (" + $0.map { Format.percent($0) }.joined(separator: " / ") + ")" } ?? ""
        let rule = switch f.splitRule {
        case .originalEverywhere: "with the original's rule in every burst"
        case .proportionalSomewhere: "with the same proportions where a burst has neither 8 nor 10 days, which the original does not handle"
        }
        lines.append("Train / validation / test: \(summary.partSizes.map(Format.count).joined(separator: " / ")) edges\(shares), split by calendar day inside each burst \(rule).")
        switch f.splitOrder {
        case .evaluationBeforeLaterTraining:
            let bursts = (f.earlyEvaluationBursts ?? []).map(String.init).joined(separator: ", ")
            lines.append("**Distrust the time order:** validation and test days of burst(s) \(bursts) come before training days of a later burst, so the models of step 3 train on days later than some they are evaluated on (a leak of the original's split, kept).")
        case .trainingFirst:
            lines.append("Every validation and test day comes after every training day.")
        case nil:
            break
        }
        switch summary.messagePassing {
        case .all:
            lines.append("**Distrust the test split's independence:** message passing uses all \(Format.count(summary.messagePassingEdges)) edges, validation and test included (`--message-passing all`, as the original), so node embeddings see who watched what in the test split, though not the labels.")
        case .trainOnly:
            lines.append("Message passing uses the \(Format.count(summary.messagePassingEdges)) training edges only (`--message-passing train-only`, leak-free; the original uses every edge).")
        }
        lines.append("A user has a median of \(Self.count(f.userDegrees.median)) edges (at most \(Self.count(f.userDegrees.max))), a video a median of \(Self.count(f.videoDegrees.median)) (at most \(Self.count(f.videoDegrees.max))).")
        if let shift = f.labelShift {
            lines.append("Label rates move from the training to the test edges by at most \(Format.fixed(100 * abs(shift.test - shift.train), 1)) percentage points (\(shift.head.displayName): \(Format.percent(shift.train)) → \(Format.percent(shift.test))).")
        }
        lines.append("The tiny graph for step 3's sweeps: \(Format.count(summary.tinyEdges)) edges (\(Format.percent(TinyGraph.fraction, 0)) sampled at random), split at random 80/10/10, not by time.")
        page.bullets(lines)
    }

    private func counts(_ page: inout Notebook) {
        page.heading("Nodes and edges")
        page.table(["", "count"], [
            ["user nodes (ids 0 … n_users − 1)", Format.count(summary.userNodes)],
            ["video nodes (ids n_users + video_id)", Format.count(summary.videoNodes)],
            ["edges (one per interaction, user → video)", Format.count(summary.edges)],
            ["edges used for message passing (`--message-passing \(summary.messagePassing.rawValue)`)", Format.count(summary.messagePassingEdges)],
            ["users with at least one edge", Format.count(summary.userDegrees.count)],
            ["videos with at least one edge", Format.count(summary.videoDegrees.count)],
        ], alignRight: [1])
        page.paragraph("Node counts follow the original: `n_users = max(user_id) + 1`, `n_videos = max(video_id) + 1`, so ids without interactions are isolated nodes.")
    }

    private func splits(_ page: inout Notebook) {
        page.heading("Train / validation / test split (the paper's Table 2)")
        let rows = zip(summary.bursts, summary.edgesPerBurst).map { burst, edges -> [String] in
            let first = burst.days.first.map(Burst.isoDate) ?? ""
            let last = burst.days.last.map(Burst.isoDate) ?? ""
            return ["\(burst.burst)", "\(first) – \(last)", "\(burst.days.count)",
                    "first \(burst.trainDays) days", "next \(burst.validationDays)", "last \(burst.testDays)",
                    "\(burst.trainDays) / \(burst.validationDays) / \(burst.testDays)" + (burst.followsOriginalRule ? "" : " (proportional rule)"),
                    edges.map(Format.count).joined(separator: " / ")]
        }
        page.table(["burst", "calendar range", "# days", "train days (earliest)", "validation days", "test days (latest)", "split rule", "edges train / val / test"], rows)
        switch summary.findings.splitRule {
        case .proportionalSomewhere:
            page.paragraph("**Note:** a burst with a number of days other than 8 or 10 (the only lengths the original handles) is split with the same proportions: validation = test = max(1, round(days / 5)) days, the rest for training.")
        case .originalEverywhere:
            break
        }
        page.paragraph("Days are calendar days of `time` (Beijing) that hold interactions. The real data give 8,016,340 / 2,382,507 / 2,129,065 edges.")
        page.table(["split", "edges"] + Head.displayNames,
                   zip(["train", "validation", "test"], zip(summary.partSizes, summary.labelRates)).map { name, value in
                       [name, Format.count(value.0)] + value.1.map { Format.percent($0) }
                   }, alignRight: [1, 2, 3, 4, 5])
        page.heading("Tiny graph for sweeps", level: 3)
        page.paragraph("A seeded (`--seed \(summary.seed)`) random 5% of all edges, sampled without replacement, then split at random 80/10/10: \(Format.count(summary.tinyEdges)) edges = \(summary.tinyPartSizes.map(Format.count).joined(separator: " / ")) (train / validation / test; 626,395 at full size). Its own standardisation statistics come from its training edges. Stored as indices into the full edge table (`tiny_edges.npy`, `tiny_split.npy`).")
    }

    private func degrees(_ page: inout Notebook) throws {
        page.heading("Degree distributions")
        page.paragraph("A node's degree is its number of edges: a user's the interactions it logged, a video's the interactions it received.")
        func describe(_ d: DistributionSummary) -> [String] {
            [Format.count(d.count), Format.fixed(d.median, 0), Format.fixed(d.mean, 1), Format.count(Int(d.max))]
        }
        page.table(["nodes", "count", "median degree", "mean degree", "max degree"], [
            ["users (out-degree)"] + describe(summary.findings.userDegrees),
            ["videos (in-degree)"] + describe(summary.findings.videoDegrees),
        ], alignRight: [1, 2, 3, 4])
        let series = try [("users", summary.userDegrees), ("videos", summary.videoDegrees)].map { name, degrees -> Series in
            let histogram = try Histogram(binning: degrees.map(Double.init), bins: 30, spacing: .logarithmic)
            let centers = zip(histogram.edges, histogram.edges.dropFirst()).map { ($0 * $1).squareRoot() }
            let keep = histogram.counts.indices.filter { histogram.counts[$0] > 0 }
            return .points(name, x: keep.map { centers[$0] }, y: keep.map { histogram.counts[$0] })
        }
        var figure = Figure(title: "Node degrees", xLabel: "degree (edges)", yLabel: "nodes per bin", series: series)
        figure.logX = true
        figure.logY = true
        page.figure(try StepOutput.render(figure, folder: figures, name: "degree-distribution.png"), caption: "Degree distributions of users and videos (log-log, logarithmic bins).")
    }

    /// The appendix: the 64 edge features' training statistics, a table a reader rarely needs.
    private func features(_ page: inout Notebook) {
        page.heading("Appendix: the 64 edge features and their training statistics")
        page.paragraph("Columns in the original's order (`Sources/ValueModel/Graph/EdgeFeatures.swift`). Categorical columns enter as their integer codes (positions in the sorted list of their strings, −1 when missing), and `session` as a plain counter — a defect of the original kept here. Missing values are 0. Models z-score each column (subtract its mean, divide by its standard deviation) with the mean and sample standard deviation below (training edges only; a std below 1e-6 becomes 1). The same numbers are in `\(artifacts)/graph.json` under `standardisation`.")
        let stats = summary.standardisation
        page.table(["#", "feature", "train mean", "train std"], EdgeFeatures.names.enumerated().map { index, name in
            ["\(index)", "`\(name)`", Format.fixed(stats.mean[index], 4), Format.fixed(stats.std[index], 4)]
        }, alignRight: [0, 2, 3])
    }

    /// The outputs list's sentence on which edges pass messages in this run.
    private var messagePassingNote: String {
        switch summary.messagePassing {
        case .all:
            return "**Message passing uses every edge, test edges included**, as in the original (`--message-passing all`, the default, for reproduction). Node embeddings then see the structure of validation and test interactions (who watched what), though not their labels. `--message-passing train-only` builds the propagation matrix from training edges only: the leak-free variant."
        case .trainOnly:
            return "**Message passing uses the training edges only** (`--message-passing train-only`, the leak-free variant): node embeddings see nothing of validation and test interactions. The original, and `--message-passing all`, use every edge."
        }
    }

    /// The outputs list's sentence on the split's time order, as this run's bursts have it.
    private var timeOrderNote: String {
        switch summary.findings.splitOrder {
        case .evaluationBeforeLaterTraining:
            let bursts = (summary.findings.earlyEvaluationBursts ?? []).map(String.init).joined(separator: ", ")
            return "Validation and test days of burst(s) \(bursts) precede training days of a later burst, and the history features run across bursts: a time leak of the original's split, kept and named."
        case .trainingFirst, nil:
            return "The history features run across bursts (a row's history includes earlier bursts), as in the original."
        }
    }

    private func notes(_ page: inout Notebook) {
        page.heading("Outputs and what to know about them")
        page.bullets([
            "`\(artifacts)/edge_features.npy` — Float32 `[edges, 64]`, raw (not standardised), missing → 0; `labels.npy` Float32 `[edges, 4]` (complete, long, rewatch, neg); `edge_user.npy`, `edge_video_node.npy` (int32 node ids; `np.stack` them for PyG's `edge_index`); `split.npy` (int8: 0 train, 1 validation, 2 test) and `train_idx.npy` / `val_idx.npy` / `test_idx.npy`; `tiny_edges.npy`, `tiny_split.npy`; `graph.json` (counts, splits, both standardisations); `feature_names.json`; `manifest.json`.",
            messagePassingNote,
            "Propagation follows PyG's `GCNConv` on the directed edge list: with step 3's default `--flow user-to-video` a video averages its users and a user node has only its self-loop. Step 3 rebuilds `D^-1/2 (A+I) D^-1/2` from the stored edge list in well under a second, so it is not stored twice.",
            timeOrderNote,
        ])
    }
}
