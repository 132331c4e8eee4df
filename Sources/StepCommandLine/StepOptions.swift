// Options the numbered steps share, so each executable states them once: where the notebook and its figures
// go, and how many threads the step uses. Used as `@OptionGroup var page: NotebookOptions`.
import ArgumentParser
import Foundation
import ValueModel

/// `--notebook` and `--figures`: where a step writes its Markdown notebook and the notebook's figures.
public struct NotebookOptions: ParsableArguments {
    @Option(help: "Markdown notebook to write (default: notebooks/<command>.md, named after this step).")
    public var notebook: String?

    @Option(help: "Folder for the notebook's figures.")
    public var figures = "figures"

    public init() {}

    /// The notebook to write: `--notebook`, else `notebooks/<command name>.md`.
    public func notebookPath(for command: any ParsableCommand.Type) -> String {
        notebook ?? "notebooks/\(command.configuration.commandName ?? String(describing: command)).md"
    }
}

/// `--threads`: BLAS and the parallel loops use this many threads; all cores when not given.
public struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for BLAS and the parallel loops (default: all cores).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The thread count the step runs with.
    public var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// Sets OpenBLAS and the engine's loops to `count` threads and returns it.
    @discardableResult
    public func configure() -> Int {
        LearningThreads.configure(threads: count)
        return count
    }
}
