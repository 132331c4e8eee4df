extension HeadWeightEstimationStep {
    /// Step 4's options that define its artifacts, as its manifest records them (`ManifestOptions.flatten`): the
    /// estimators' options, the sessions read and the step-3 runs scored. Not among them: the `processed` and `raw`
    /// folders (paths), `memoryBudgetGib` and `chunkSessions` (how the scoring is held and checkpointed, not what it
    /// gives), `benchmarkSessions` (a timing) and `resume`.
    public struct ManifestRecord: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var bootstrap: Int
        public var starts: Int
        public var minSessionLength: Int
        public var maxSessions: Int
        /// Step 3's folder as read (the default resolved).
        public var step3: String
        public var seedMembers: Bool
        public var ensemble: [String]
        public var listPrefix: Int
        public var identificationSessions: Int
        public var poolSamplingSessions: Int
        public var original: Bool
        public var diagnostics: Bool

        public init(_ step: HeadWeightEstimationStep) {
            let options = step.options
            seed = options.seed
            bootstrap = options.bootstrap
            starts = options.starts
            minSessionLength = options.minSessionLength
            maxSessions = options.maxSessions
            step3 = step.step3Folder
            seedMembers = options.seedMembers
            ensemble = options.ensemble
            listPrefix = options.listPrefix
            identificationSessions = options.identificationSessions
            poolSamplingSessions = options.poolSamplingSessions
            original = options.original
            diagnostics = options.diagnostics
        }
    }

    /// Step 4's options that its scored chunks depend on, as the resume identity records them
    /// (`ResumeIdentity.options`, beside the inputs' hashes): the sessions scored and their chunking.
    public struct ScoringRecord: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var minSessionLength: Int
        public var maxSessions: Int
        /// Sessions per chunk as used (the default resolved).
        public var chunkSessions: Int

        public init(_ options: Options, sessionsPerChunk: Int) {
            seed = options.seed
            minSessionLength = options.minSessionLength
            maxSessions = options.maxSessions
            chunkSessions = sessionsPerChunk
        }
    }
}
