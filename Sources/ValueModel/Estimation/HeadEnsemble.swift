import Foundation

/// Step 4's heads averaged over several GNNs — the other seeds step 3 trained of its chosen GNN
/// (`--head-seeds`), and the chosen GNNs of other step-3 runs (`--ensemble`) — with each member's headline fitted
/// alone: how much of ŵ's uncertainty is the heads' own training randomness, which the session standard errors
/// leave out (issue 13, part 5).
public struct HeadEnsemble {
    /// Where a member's GNN comes from.
    public struct Source {
        public var folder: String
        /// Artifact name of another seed in `folder` (nil: the GNN `folder`'s `best_gnn.json` names).
        public var member: String?

        public var label: String { member.map { "\($0) (step 3's other seed)" } ?? folder }
    }

    public struct Member {
        public var label: String
        public var model: String
        /// The headline likelihood fitted with this member's heads alone.
        public var weights: [Double]
        public var standardErrors: [Double]
    }

    /// The main model first, then the other sources in order.
    public var members: [Member]
    /// Per (session, candidate, head), the sample standard deviation of the members' heads `[sessions, candidates * 4]`
    /// (how much the heads' training randomness moves each prediction).
    public var headSpread: [Float]
    /// Sample standard deviation of the members' headline ŵ per head.
    public var spread: [Double] { SeedSpread.standardDeviations(members.map(\.weights)) }
    /// Mean over members of the headline's Hessian standard errors.
    public var meanStandardErrors: [Double] {
        (0..<4).map { h in members.map { $0.standardErrors[h] }.reduce(0, +) / Double(members.count) }
    }

    /// The members beside the main model: step 3's other seeds in `mainFolder` (with `seedMembers`), then the
    /// chosen GNN of every folder in `folders`.
    public static func sources(mainFolder: String, choice: ScoringModelChoice, seedMembers: Bool, folders: [String]) -> [Source] {
        (seedMembers ? (choice.seedMembers ?? []).map { Source(folder: mainFolder, member: $0) } : [])
            + folders.map { Source(folder: $0, member: nil) }
    }

    /// Replaces `heads` (the main model's) by their mean with the heads of every source, scoring each member's
    /// GNN on the same sessions and candidates (a running mean in place: one more store at a time); `headline`
    /// fits the headline on one set of heads. Returns the members and their input files.
    public static func average(_ heads: inout CandidateHeads, mainFolder: String, inputs: EstimationInputs, sources: [Source],
                        headline: (CandidateHeads) throws -> PlackettLuceLists.Fit) throws -> (HeadEnsemble, [String]) {
        let nodes = inputs.counterfactual.graph.userNodes + inputs.counterfactual.graph.videoNodes
        let mainFit = try headline(heads)
        var members = [Member(label: mainFolder, model: inputs.modelName, weights: mainFit.weights, standardErrors: mainFit.standardErrors)]
        var files: [String] = []
        let mainStep2 = try step2Input(Manifest.read(folder: mainFolder), folder: mainFolder)
        var member = CandidateHeads(sessions: heads.sessions, videos: heads.videos, values: [Float](repeating: 0, count: heads.values.count))
        var squares = [Float](repeating: 0, count: heads.values.count)
        for source in sources {
            let gnn = try EstimationInputs.ScoringGNN(step3Folder: source.folder, nodes: nodes, member: source.member)
            guard try step2Input(gnn.step3Manifest, folder: source.folder).hash == mainStep2.hash else {
                throw PipelineError.invalidOption(name: "--ensemble", reason: "\(source.folder) was trained on another step 2 than \(mainFolder); every member must come from the same graph")
            }
            let scorer = try DecomposedScorer(model: gnn.model, nodeEmbeddings: gnn.nodeEmbeddings, features: inputs.counterfactual.features,
                                              sessionNodes: inputs.counterfactual.sessionNodes, videoNodes: inputs.counterfactual.videoNodes)
            member.values.withUnsafeMutableBufferPointer { scorer.scoreDecomposed(sessions: 0..<heads.sessions, into: $0.baseAddress!) }
            let fit = try headline(member)
            let model = source.member ?? gnn.choice.model
            members.append(Member(label: source.label, model: model, weights: fit.weights, standardErrors: fit.standardErrors))
            squares.withUnsafeMutableBufferPointer { heads.foldIntoMean(member, count: members.count, squares: $0.baseAddress!) }
            files += gnn.files
            estimationLog("ensemble: \(source.label) (\(model)) headline \(fit.weights.map { Format.fixed($0, 3) })")
        }
        let scale = 1 / Float(max(members.count - 1, 1))
        for i in squares.indices { squares[i] = (max(squares[i], 0) * scale).squareRoot() }
        return (HeadEnsemble(members: members, headSpread: squares), files)
    }

    /// The step-2 manifest a step-3 folder was trained from, as its manifest records it.
    public static func step2Input(_ manifest: Manifest, folder: String) throws -> Manifest.Input {
        guard let input = manifest.inputs.first(where: { $0.path.hasSuffix("step2/" + Manifest.fileName) }) else {
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + Manifest.fileName), reason: "names no step-2 manifest among its inputs; re-run `3-training`")
        }
        return input
    }
}
