import Foundation

/// A step's output folder, built in a hidden temporary sibling and moved into place only when complete,
/// so a failed or interrupted step leaves the previous output (or nothing) and never a mixture. Files are
/// synced to disk once, all together, just before the move.
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
        let parent = (path as NSString).deletingLastPathComponent
        stagingPath = (parent.isEmpty ? "." : parent) + "/." + (path as NSString).lastPathComponent + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
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

    /// Writes the manifest and moves the folder into place, replacing an older one.
    public func commit(manifest: Manifest) throws {
        writer.sync {}
        try rethrowFailure()
        var manifest = manifest
        manifest.columns = manifestColumns
        try writeFile(Manifest.fileName, data: try manifest.encoded())
        try AtomicWrite.syncFolder(stagingPath)
        let old = path + ".old-\(ProcessInfo.processInfo.processIdentifier)"
        let manager = FileManager.default
        do {
            if manager.fileExists(atPath: path) { try manager.moveItem(atPath: path, toPath: old) }
            try manager.moveItem(atPath: stagingPath, toPath: path)
            try? manager.removeItem(atPath: old)
            committed = true
        } catch {
            throw PipelineError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}
