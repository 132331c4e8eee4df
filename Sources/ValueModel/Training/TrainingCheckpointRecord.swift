extension TrainingStep {
    /// Step 3's options that a neural model's saved training state depends on, as its resume identity records them
    /// (`ResumeIdentity.options`, beside the model's name and the step-2 manifest's hash): the optimiser, the early
    /// stopping and its monitoring, the seed, the message flow, the weighting and the graph. Not among them: the
    /// sweeps and `headSeeds` (other runs), `threads`, `checkpointEvery` and `resume`.
    public struct CheckpointRecord: Codable, Equatable, Sendable {
        public var learningRate: Float
        public var batchSize: Int
        public var seed: UInt64
        public var maxSteps: Int
        public var patience: Int
        public var monitorSample: Int
        public var monitorEvery: Int
        public var validationSample: Int
        public var flow: GCNNormalizedAdjacency.Flow
        public var debias: Debias
        public var graph: MainGraph

        public init(_ options: Options) {
            learningRate = options.learningRate
            batchSize = options.batchSize
            seed = options.seed
            maxSteps = options.maxSteps
            patience = options.patience
            monitorSample = options.monitorSample
            monitorEvery = options.monitorEvery
            validationSample = options.validationSample
            flow = options.flow
            debias = options.debias
            graph = options.graph
        }
    }
}
