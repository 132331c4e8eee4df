import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named files (and folders) written into a hidden staging folder inside their target folder and moved into it
/// together at the end, so a run that fails or is killed leaves the target's earlier files as they were. This is how
/// step 0 writes a raw folder, whose entries are KuaiRec's own file names rather than an artifact folder with a
/// manifest (`ArtifactDirectory`). What a killed run staged is removed by the next run.
public final class StagedFiles {
    /// The folder the entries end up in.
    public let target: String
    /// The folder being filled: write entry `name` to `stagingPath + "/" + name`.
    public let stagingPath: String
    /// The entries to publish, in the order they are moved into place; a name ending in "/" is a folder.
    public let entries: [String]
    private var published = false

    /// Creates `target` if needed and an empty staging folder inside it, after checking that no entry's place in
    /// `target` holds the other kind (a folder where a file goes, or the reverse), so such a run fails before any work.
    public init(target: String, entries: [String]) throws {
        self.target = target
        self.entries = entries
        stagingPath = target + "/.partial-\(ProcessInfo.processInfo.processIdentifier)"
        try checkPlaces()
        OutputLocation.removeAbandoned(in: target, prefix: ".partial-")
        for folder in entries.filter({ $0.hasSuffix("/") }).map(Self.name) {
            OutputLocation.removeAbandoned(in: target, prefix: "." + folder + ".old-")
        }
        do {
            try? FileManager.default.removeItem(atPath: stagingPath)
            try FileManager.default.createDirectory(atPath: stagingPath, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.writeFailed(path: stagingPath, reason: OutputLocation.reason(error))
        }
    }

    deinit {
        if !published { try? FileManager.default.removeItem(atPath: stagingPath) }
    }

    /// Moves every staged entry into `target`, replacing the entry of the same name, then removes the names in
    /// `obsolete` that this run did not write (an earlier run's files it no longer makes). The places are checked
    /// again first: a failure there leaves `target` as it was.
    public func publish(removing obsolete: [String]) throws {
        try checkPlaces()
        let manager = FileManager.default
        do {
            for entry in entries {
                let name = Self.name(entry), staged = stagingPath + "/" + name, final = target + "/" + name
                guard manager.fileExists(atPath: staged) else { continue }
                if entry.hasSuffix("/"), manager.fileExists(atPath: final) {
                    // A folder cannot be renamed over a non-empty one: set the old one aside, then remove it.
                    let old = target + "/." + name + ".old-\(ProcessInfo.processInfo.processIdentifier)"
                    try manager.moveItem(atPath: final, toPath: old)
                    try manager.moveItem(atPath: staged, toPath: final)
                    try manager.removeItem(atPath: old)
                } else if rename(staged, final) != 0 {
                    throw PipelineError.writeFailed(path: final, reason: String(cString: strerror(errno)))
                }
            }
            let written = Set(entries.map(Self.name))
            for name in obsolete.map(Self.name) where !written.contains(name) && manager.fileExists(atPath: target + "/" + name) {
                try manager.removeItem(atPath: target + "/" + name)
            }
            try manager.removeItem(atPath: stagingPath)
            published = true
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.writeFailed(path: target, reason: OutputLocation.reason(error))
        }
    }

    /// Throws, naming the path, when an entry's place in `target` holds the other kind of entry.
    private func checkPlaces() throws {
        for entry in entries {
            let path = target + "/" + Self.name(entry)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue != entry.hasSuffix("/") else { continue }
            throw PipelineError.writeFailed(path: path, reason: isFolder.boolValue
                ? "a folder is in the way of the file written there; move it away"
                : "a file is in the way of the folder written there; move it away")
        }
    }

    /// `entry` without its folder mark.
    private static func name(_ entry: String) -> String {
        entry.hasSuffix("/") ? String(entry.dropLast()) : entry
    }
}
