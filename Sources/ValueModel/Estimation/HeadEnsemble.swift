import Foundation

/// Step 4's heads averaged over several GNNs — the other seeds step 3 trained of its chosen GNN
/// (`--head-seeds`), and the chosen GNNs of other step-3 runs (`--ensemble`) — with each member's headline fitted
/// alone: how much of ŵ's uncertainty is the heads' own training randomness, which the session standard errors
/// leave out.
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

    /// A source with its GNN read and checked, ready to score.
    public struct LoadedSource {
        public var source: Source
        public var gnn: EstimationInputs.ScoringGNN
    }

    /// Reads every source's GNN, checked as step 4 reads its own (manifest, `best_gnn.json`, weights, embeddings), before
    /// any scoring. Refuses, naming `--ensemble`, a folder that is not a usable step-3 folder, one trained on another
    /// step 2 than `mainFolder`, and a GNN that is the main model or an earlier member again (identical weights: it
    /// would add nothing but a smaller spread).
    public static func load(_ sources: [Source], mainFolder: String, inputs: EstimationInputs) throws -> [LoadedSource] {
        guard !sources.isEmpty else { return [] }
        let nodes = inputs.counterfactual.graph.userNodes + inputs.counterfactual.graph.videoNodes
        let mainStep2 = try step2Input(Manifest.read(folder: mainFolder), folder: mainFolder)
        var seen = [try ContentHash.ofFile(inputs.weightsPath): "\(mainFolder)'s \(inputs.modelName)"]
        var loaded: [LoadedSource] = []
        for source in sources {
            let gnn: EstimationInputs.ScoringGNN
            do {
                gnn = try EstimationInputs.ScoringGNN(step3Folder: source.folder, nodes: nodes, member: source.member)
            } catch let error as PipelineError where source.member == nil {
                throw PipelineError.invalidOption(name: "--ensemble", reason: "\(source.folder) is not a usable folder of `3-training` (\(error.message)); --ensemble takes comma-separated folders written by `3-training` on the same step 2 as \(mainFolder)")
            }
            guard try step2Input(gnn.step3Manifest, folder: source.folder).hash == mainStep2.hash else {
                throw PipelineError.invalidOption(name: "--ensemble", reason: "\(source.folder) was trained on another step 2 than \(mainFolder); every member must come from the same graph")
            }
            let label = source.member.map { "\(mainFolder)'s \($0)" } ?? "\(source.folder)'s \(gnn.choice.model)"
            if let earlier = seen.updateValue(label, forKey: try ContentHash.ofFile(gnn.weightsPath)) {
                let reason = "\(label) is the same GNN as \(earlier) (identical weights); each member must be a different GNN"
                throw source.member == nil ? PipelineError.invalidOption(name: "--ensemble", reason: reason) : PipelineError.invalidData(reason)
            }
            loaded.append(LoadedSource(source: source, gnn: gnn))
        }
        return loaded
    }

    /// Replaces `heads` (the main model's) by their mean with the heads of every member (`load`), scoring each member's
    /// GNN on the same sessions and candidates (a running mean in place: one more store at a time); `headline` fits the
    /// headline on one set of heads. Returns the members and their input files.
    public static func average(_ heads: inout CandidateHeads, mainFolder: String, inputs: EstimationInputs, members sources: [LoadedSource],
                        headline: (CandidateHeads) throws -> PlackettLuceLists.Fit) throws -> (HeadEnsemble, [String]) {
        let mainFit = try headline(heads)
        var members = [Member(label: mainFolder, model: inputs.modelName, weights: mainFit.weights, standardErrors: mainFit.standardErrors)]
        var files: [String] = []
        var member = CandidateHeads(sessions: heads.sessions, videos: heads.videos, values: [Float](repeating: 0, count: heads.values.count))
        var squares = [Float](repeating: 0, count: heads.values.count)
        for loaded in sources {
            let source = loaded.source, gnn = loaded.gnn
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
