import Foundation

/// Conveniences every step executable shares: warnings, and turning an error into a message and exit status
/// (the `Reporting` target adds rendering a figure into the figures folder).
public enum StepOutput {
    /// Prints a warning to standard error in one line.
    public static func warn(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }

    /// Prints a step's error to standard error in one line.
    public static func report(_ error: Error) {
        let text = (error as? PipelineError)?.description ?? "error: \(error)"
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
