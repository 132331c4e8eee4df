import ArgumentParser
import ValueModel

/// Options every scenario on step 2's graph shares: where the artifacts are and how many threads to use.
struct EngineOptions: ParsableArguments {
    @Option(help: "Folder of processed artifacts (reads <processed>/step2/).")
    var processed = "data/processed"

    @Option(help: "Threads for OpenBLAS and the engine's loops.")
    var threads = 2

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
    }

    /// Sets the engine's threads and loads step 2's full graph, standardised as step 3 trains on it.
    func loadGraph() throws -> TrainingGraph {
        LearningThreads.configure(threads: threads)
        return try TrainingInputs(step2: ColumnStore(.graphConstruction, processed: processed)).full
    }
}
