// The one shape of every step's `run()`: check where it writes, compute through the library, stage the artifacts
// and the notebook, and make them visible together — or, on any error, report it, leave every earlier output as
// it was and exit non-zero.
import ArgumentParser
import Foundation
import ValueModel

/// What a step's body hands back: its notebook, the one line printed when it is published, and the resumable
/// state to delete once everything is in place (nil when the step keeps none).
public struct StepOutcome {
    public var page: Notebook
    public var summary: String
    public var completedState: String?

    public init(page: Notebook, summary: String, completedState: String? = nil) {
        self.page = page
        self.summary = summary
        self.completedState = completedState
    }
}

/// Runs a step's body inside a `StepPublication`.
public enum StepRun {
    /// Checks that `notebook`, `figures` (nil: the step draws none) and each of `outputFolders` (a folder and the option that names it, such
    /// as `("data/processed", "--processed")`) can be written, runs `body`, publishes its notebook together with
    /// the artifact folders and figures it staged, deletes its completed state and prints its summary. Any error is
    /// printed as one line, what was staged is dropped, and the process exits with status 1.
    public static func execute(notebook: String, figures: String?, outputFolders: [(folder: String, option: String)],
                               _ body: () throws -> StepOutcome) throws {
        var publication: StepPublication?
        do {
            for output in outputFolders { try OutputLocation.checkFolder(output.folder, option: output.option) }
            let opened = try StepPublication.open(notebook: notebook, figures: figures)
            publication = opened
            let outcome = try body()
            try opened.publish(outcome.page)
            if let state = outcome.completedState { try? FileManager.default.removeItem(atPath: state) }
            print(outcome.summary)
        } catch {
            publication?.abandon()
            StepOutput.report(error)
            throw ExitCode.failure
        }
    }
}
