import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ValueModel

extension StepOutput {
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
}
