import Foundation

/// How one member's fit went.
public struct UserModelTrainingRun: Codable, Equatable, Sendable {
    /// The member's own seed (split off the fit's seed).
    public var seed: UInt64
    /// Epochs run, and the epoch whose weights were kept (lowest validation loss, 1-based).
    public var epochs: Int
    public var bestEpoch: Int
    /// Mean training loss (weighted as the fit's `weighting`) and unweighted validation loss after each epoch.
    public var trainingLoss: [Double]
    public var validationLoss: [Double]
}

/// The learned user model of step 6 (DORL's protocol, `run_worldModel_ensemble.py`): `settings.members` DeepFM-style
/// members (`UserModelMember`), each trained with Adam on the training split of step 2's time split, its epochs'
/// validation loss choosing the weights it keeps, then every (user, video) pair scored into `UserModelPredictions`.
///
/// DORL's members share one initialisation and differ by their data order; here each member also has its own
/// initialisation (its seed split off the fit's). Like DORL, no member sees a bootstrap sample: all see every
/// training row. Members train side by side, one single-threaded lane each, so the weights do not depend on the
/// thread count.
public final class UserModelEnsemble {
    /// The knobs it was fitted with.
    public let settings: UserModelSettings
    let members: [UserModelMember]
    /// One per member (empty for an ensemble loaded from files).
    public let runs: [UserModelTrainingRun]
    let trainedUsers: [Bool]
    let trainedVideos: [Bool]

    private init(settings: UserModelSettings, members: [UserModelMember], runs: [UserModelTrainingRun], data: UserModelData) {
        self.settings = settings
        self.members = members
        self.runs = runs
        trainedUsers = data.trainedUsers
        trainedVideos = data.trainedVideos
    }

    /// The member seeds of a fit: `settings.members` draws of a generator seeded with `settings.seed`.
    static func memberSeeds(_ settings: UserModelSettings) -> [UInt64] {
        var master = SeededGenerator(seed: settings.seed)
        return (0..<settings.members).map { _ in master.next() }
    }

    /// Trains every member on `data.train` (reading nothing else of the logs but `data.validation` for the choice of
    /// epoch) and returns the ensemble.
    public static func fit(_ data: UserModelData, settings: UserModelSettings) throws -> UserModelEnsemble {
        try settings.validate()
        guard !data.train.isEmpty else { throw PipelineError.invalidData("the user model has no training rows to learn from (step 2's training split is empty)") }
        let weights = settings.weighting == .inversePopularity ? data.inversePopularityWeights() : nil
        let seeds = memberSeeds(settings)
        var fitted = [(UserModelMember, UserModelTrainingRun)?](repeating: nil, count: seeds.count)
        fitted.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            LearningThreads.singleThreadedLanes(seeds.count) { k in
                slots[k] = trainMember(data, settings: settings, seed: seeds[k], weights: weights)
            }
        }
        let done = fitted.compactMap { $0 }
        return UserModelEnsemble(settings: settings, members: done.map(\.0), runs: done.map(\.1), data: data)
    }

    /// One member: seeded initialisation, then epochs over the shuffled training rows in batches of `batchSize`, one
    /// Adam step each; after each epoch the validation loss (unweighted); stops after `patience` epochs without a lower
    /// one and keeps the best epoch's weights (the last epoch's without validation rows).
    static func trainMember(_ data: UserModelData, settings: UserModelSettings, seed: UInt64,
                            weights: [Float]?) -> (UserModelMember, UserModelTrainingRun) {
        var generator = SeededGenerator(seed: seed)
        let member = UserModelMember(data: data, settings: settings, generator: &generator)
        let adam = Adam(parameters: member.parameters, learningRate: settings.learningRate)
        var run = UserModelTrainingRun(seed: seed, epochs: 0, bestEpoch: 0, trainingLoss: [], validationLoss: [])
        var order = data.train
        var best = Double.infinity, bestValues = member.parameters.values.toArray(), stale = 0
        for epoch in 1...settings.maxEpochs {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            var total = 0.0
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                let batch = order[start..<min(start + settings.batchSize, order.count)]
                total += member.forwardBackward(data, rows: batch, weights: weights) * Double(batch.count)
                adam.update()
            }
            run.epochs = epoch
            run.trainingLoss.append(total / Double(order.count))
            let validation = data.validation.isEmpty ? -Double(epoch) : member.loss(data, rows: data.validation, weights: nil)
            run.validationLoss.append(data.validation.isEmpty ? .nan : validation)
            if validation < best {
                (best, stale, run.bestEpoch) = (validation, 0, epoch)
                bestValues = member.parameters.values.toArray()
            } else {
                stale += 1
                if stale >= settings.patience { break }
            }
        }
        bestValues.withUnsafeBufferPointer { member.parameters.values.pointer.update(from: $0.baseAddress!, count: member.parameters.count) }
        return (member, run)
    }

    /// Videos scored per block of one user's row.
    static let videoBlock = 512

    /// Scores every (user, video) pair with every member and combines them (`UserModelPredictions.combine`); users in
    /// parallel lanes. With `keepMemberRewards`, each member's reward table too. Checks the memory first.
    public func predictions(keepMemberRewards: Bool = false) throws -> UserModelPredictions {
        guard let first = members.first else { throw PipelineError.invalidData("the user model has no members") }
        let (users, videos, k) = (first.users, first.videos, members.count)
        let (cells, overflow) = users.multipliedReportingOverflow(by: videos)
        let floatsPerCell = 2 * (7 + (keepMemberRewards ? k : 0))   // the buffers, then the arrays copied from them
        let (bytes, overflow2) = cells.multipliedReportingOverflow(by: 4 * floatsPerCell)
        guard !overflow, !overflow2 else { throw PipelineError.invalidData("the user model's table of \(users) users x \(videos) videos is too large to hold") }
        try ResourceCheck.requireMemory(bytes, for: "The user model's table of \(users) users x \(videos) videos (\(floatsPerCell) floats each)",
                                        hint: "Use a machine with more memory, or leave out the members' own rewards.")
        let reward = FloatBuffer(count: cells), uncertainty = FloatBuffer(count: cells), disagreement = FloatBuffer(count: cells)
        let heads = FloatBuffer(count: cells * 4)
        let memberRewards = keepMemberRewards ? (0..<k).map { _ in FloatBuffer(count: cells) } : []
        let sides = members.map { $0.sideProducts() }
        let (h1, h2, block) = (settings.firstHidden, settings.secondHidden, Self.videoBlock)
        let userRanges = contiguousRanges(users, parts: max(1, min(users, LearningThreads.count * 4)))
        LearningThreads.singleThreadedLanes(userRanges.count) { lane in
            let hidden1 = FloatBuffer(count: block * h1), hidden2 = FloatBuffer(count: block * h2)
            let outputs = FloatBuffer(count: block * UserModelMember.outputCount)
            let means = FloatBuffer(count: k * block), variances = FloatBuffer(count: k * block), probabilities = FloatBuffer(count: k * block * 4)
            for user in userRanges[lane] {
                for firstVideo in stride(from: 0, to: videos, by: block) {
                    let count = min(block, videos - firstVideo)
                    for (m, member) in members.enumerated() {
                        sides[m].users.withUnsafeBufferPointer { userPart in
                            sides[m].videos.withUnsafeBufferPointer { videoPart in
                                member.tableOutputs(user: user, firstVideo: firstVideo, count: count, userPart: userPart.baseAddress!,
                                                    videoPart: videoPart.baseAddress!, hidden1: hidden1.pointer, hidden2: hidden2.pointer,
                                                    outputs: outputs.pointer)
                            }
                        }
                        for j in 0..<count {
                            let o = outputs.pointer + j * UserModelMember.outputCount
                            means.pointer[m * count + j] = o[0]
                            variances.pointer[m * count + j] = expf(UserModelMember.logVariance(raw: o[1]).value)
                            for h in 0..<4 { probabilities.pointer[(m * count + j) * 4 + h] = sigmoid(o[2 + h]) }
                        }
                    }
                    let cell = user * videos + firstVideo
                    UserModelPredictions.combine(members: k, cells: count, means: means.pointer, variances: variances.pointer,
                                                 probabilities: probabilities.pointer, reward: reward.pointer + cell, heads: heads.pointer + cell * 4,
                                                 uncertainty: uncertainty.pointer + cell, disagreement: disagreement.pointer + cell)
                    for (m, target) in memberRewards.enumerated() { (target.pointer + cell).update(from: means.pointer + m * count, count: count) }
                }
            }
        }
        return UserModelPredictions(users: users, videos: videos, reward: reward.toArray(), heads: heads.toArray(), uncertainty: uncertainty.toArray(),
                                    disagreement: disagreement.toArray(), memberRewards: memberRewards.map { $0.toArray() }, trainedUsers: trainedUsers,
                                    trainedVideos: trainedVideos)
    }

    /// The file of member `k`'s weights.
    static func memberFile(_ k: Int) -> String { "user_model_member\(k).safetensors" }

    /// Writes each member's weights as `user_model_member<k>.safetensors` into `folder` (PyTorch-style names:
    /// `user_emb.weight` `[users, E]`, `video_emb.weight` `[videos, E]`, `dnn.0.weight` …, `out.bias`), with the
    /// settings in the metadata.
    public func save(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // the same bytes on every run
        let encoded = String(decoding: try encoder.encode(settings), as: UTF8.self)
        for (k, member) in members.enumerated() {
            let data = try member.parameters.safetensors(metadata: ["model": "user_model_member\(k)", "settings": encoded,
                                                                   "format": "PyTorch state_dict names"]).serialized()
            try AtomicWrite.write(data, to: folder + "/" + Self.memberFile(k))
        }
    }

    /// An ensemble with the weights `save(to:)` wrote into `folder`, over `data`'s ids and side features (the settings
    /// come from the files' metadata; every member's names and shapes must match).
    public static func load(from folder: String, data: UserModelData) throws -> UserModelEnsemble {
        let firstPath = folder + "/" + memberFile(0)
        let first = try SafetensorsFile(contentsOf: URL(fileURLWithPath: firstPath))
        guard let text = first.metadata["settings"], let settings = try? JSONDecoder().decode(UserModelSettings.self, from: Data(text.utf8)) else {
            throw PipelineError.malformedInput(SourceLocation(file: firstPath), reason: "holds no user model settings in its metadata; re-run the user model's fit")
        }
        try settings.validate()
        var generator = SeededGenerator(seed: 0)
        let members = try (0..<settings.members).map { k in
            let member = UserModelMember(data: data, settings: settings, generator: &generator)
            let path = folder + "/" + memberFile(k)
            do { try member.parameters.load(from: k == 0 ? first : SafetensorsFile(contentsOf: URL(fileURLWithPath: path))) } catch let error as PipelineError {
                throw PipelineError.malformedInput(SourceLocation(file: path), reason: "\(error.description); was it fitted on these users and videos?")
            }
            return member
        }
        return UserModelEnsemble(settings: settings, members: members, runs: [], data: data)
    }
}
