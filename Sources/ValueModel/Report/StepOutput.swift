import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Conveniences every step executable shares: rendering a figure into the figures folder without leaving a
/// partial PNG, quantiles for tables, and turning an error into a message and exit status.
public enum StepOutput {
    /// Renders `figure` to `folder/name` (via a temporary name, renamed when complete — at once, or when the open
    /// `StepPublication` publishes) and returns the path relative to the notebooks folder (`../figures/name`).
    public static func render(_ figure: Figure, folder: String, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let final = folder + "/" + name
        let temporary = folder + "/." + name + ".pending-\(getpid()).png"
        let moveIntoPlace = {
            guard rename(temporary, final) == 0 else {
                throw PipelineError.writeFailed(path: final, reason: String(cString: strerror(errno)))
            }
        }
        do {
            try figure.render(to: temporary)
            if let publication = StepPublication.current {
                publication.stage(publish: moveIntoPlace, discard: { unlink(temporary) })
            } else {
                try moveIntoPlace()
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return "../" + (folder as NSString).lastPathComponent + "/" + name
    }

    /// The `q`-quantile (0...1) of `values` by linear interpolation (numpy's default).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

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
