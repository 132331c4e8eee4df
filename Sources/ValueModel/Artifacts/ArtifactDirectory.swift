import Foundation

/// A step's output folder, built in a hidden temporary sibling and moved into place only when complete,
/// so a failed or interrupted step leaves the previous output (or nothing) and never a mixture. Files are
/// synced to disk once, all together, just before the move. While a `StepPublication` is open the move waits for
/// its `publish`, so the folder appears together with the step's notebook and figures, or not at all. What a killed
/// run left behind (a staging folder or a set-aside old folder of a process that is gone) is removed at the next
/// run.
///
/// Columns are written on a background queue (at most `maximumPending` at a time), so a step computes its
/// next column while the previous one is copied to disk; a write error surfaces at the next call.
public final class ArtifactDirectory {
    /// Columns that may wait to be written at once (bounds the extra memory).
    public static let maximumPending = 3
    private let writer = DispatchQueue(label: "artifact-writer")
    private let slots = DispatchSemaphore(value: ArtifactDirectory.maximumPending)
    private let failureLock = NSLock()
    private var failure: Error?
    /// The final folder.
    public let path: String
    /// The folder being filled.
    public let stagingPath: String
    private(set) var manifestColumns: [Manifest.ColumnEntry] = []
    private var committed = false

    /// Starts a new output folder at `path` (its parent is created if needed).
    public init(path: String) throws {
        self.path = path
        let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let folder = parent.isEmpty ? "." : parent
        stagingPath = folder + "/." + name + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        OutputLocation.removeAbandoned(in: folder, prefix: "." + name + ".partial-")
        OutputLocation.removeAbandoned(in: folder, prefix: name + ".old-")
        do {
            try? FileManager.default.removeItem(atPath: stagingPath)
            try FileManager.default.createDirectory(atPath: stagingPath, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.writeFailed(path: stagingPath, reason: error.localizedDescription)
        }
    }

    deinit {
        writer.sync {}
        if !committed { try? FileManager.default.removeItem(atPath: stagingPath) }
    }

    /// Runs `work` on the writer queue; throws the first error any earlier background write hit.
    private func inBackground(_ work: @escaping () throws -> Void) throws {
        try rethrowFailure()
        slots.wait()
        writer.async { [self] in
            defer { slots.signal() }
            do {
                try work()
            } catch {
                failureLock.lock()
                if failure == nil { failure = error }
                failureLock.unlock()
            }
        }
    }

    private func rethrowFailure() throws {
        failureLock.lock()
        defer { failureLock.unlock() }
        if let failure { throw failure }
    }

    /// Writes `column` as `<name>.npy` (in the background) and records it for the manifest.
    public func write(_ name: String, _ column: Column) throws {
        let file = name + ".npy"
        let target = stagingPath + "/" + file
        try inBackground { try NumpyFile.write(column, to: target, durable: false) }
        var categories: [String]?
        if case let .categorical(_, values) = column { categories = values }
        manifestColumns.append(.init(name: name, file: file, dtype: column.numpyDescr, rows: column.count, categories: categories, width: nil))
    }

    /// Writes a row-major Float32 matrix `[rows, columns]` as `<name>.npy` and records it for the manifest.
    public func write(_ name: String, matrix: [Float], columns: Int) throws {
        let file = name + ".npy"
        let rows = columns > 0 ? matrix.count / columns : 0
        let target = stagingPath + "/" + file
        try inBackground { try NumpyFile.writeMatrix(matrix, rows: rows, columns: columns, to: target, durable: false) }
        manifestColumns.append(.init(name: name, file: file, dtype: "<f4", rows: rows, categories: nil, width: columns))
    }

    /// Writes an arbitrary file into the folder.
    public func writeFile(_ name: String, data: Data) throws {
        try AtomicWrite.write(data, to: stagingPath + "/" + name, durable: false)
    }

    /// Writes the manifest and moves the folder into place, replacing an older one — at once, or when the open
    /// `StepPublication` publishes.
    public func commit(manifest: Manifest) throws {
        writer.sync {}
        try rethrowFailure()
        var manifest = manifest.portable(for: path)
        manifest.columns = manifestColumns
        try writeFile(Manifest.fileName, data: try manifest.encoded())
        try AtomicWrite.syncFolder(stagingPath)
        if let publication = StepPublication.current {
            publication.stage(publish: { try self.moveIntoPlace() }, discard: { self.discard() })
        } else {
            try moveIntoPlace()
        }
    }

    /// Removes the staging folder (nothing becomes visible).
    func discard() {
        writer.sync {}
        if !committed { try? FileManager.default.removeItem(atPath: stagingPath) }
    }

    /// Replaces the folder at `path` with the staged one.
    private func moveIntoPlace() throws {
        let old = path + ".old-\(ProcessInfo.processInfo.processIdentifier)"
        let manager = FileManager.default
        do {
            if manager.fileExists(atPath: path) { try manager.moveItem(atPath: path, toPath: old) }
            try manager.moveItem(atPath: stagingPath, toPath: path)
            try? manager.removeItem(atPath: old)
            committed = true
        } catch {
            throw PipelineError.writeFailed(path: path, reason: OutputLocation.reason(error))
        }
    }

    /// Removes the artifact folder at `path` (one a step no longer produces, such as a stale block from another
    /// input folder) — at once, or when the open `StepPublication` publishes.
    public static func remove(at path: String) throws {
        let remove = {
            guard FileManager.default.fileExists(atPath: path) else { return }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw PipelineError.writeFailed(path: path, reason: OutputLocation.reason(error))
            }
        }
        if let publication = StepPublication.current {
            publication.stage(publish: remove, discard: {})
        } else {
            try remove()
        }
    }
}
