import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A step's outputs made visible together, or not at all: its artifact folders, its figures and its notebook.
///
/// While a publication is open (`open`), `ArtifactDirectory.commit` only stages a folder (manifest written, files
/// synced) and `StepOutput.render` writes each figure under a hidden temporary name; `publish` then writes the
/// notebook beside its final name and moves everything into place in one short burst of renames. A step that fails
/// before `publish` (an error in its computation, in a figure, or in the notebook) leaves every earlier output —
/// artifacts, figures and notebook — exactly as it was; `abandon` removes what it staged. One step runs per
/// process, so one publication is open at a time.
public final class StepPublication {
    /// A change made visible by `publish`, in the order it was staged.
    private struct Pending {
        var publish: () throws -> Void
        var discard: () -> Void
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var active: StepPublication?

    /// The notebook `publish` writes.
    public let notebook: String
    private var pending: [Pending] = []

    private init(notebook: String) {
        self.notebook = notebook
    }

    /// The open publication, if any.
    public static var current: StepPublication? {
        lock.lock()
        defer { lock.unlock() }
        return active
    }

    /// Opens the publication of a step that will write `notebook` and its figures into `figures` (nil: it draws
    /// none), after checking both can be written (the option is named when not: `--notebook`, `--figures`), so a
    /// step fails before it computes anything rather than after.
    public static func open(notebook: String, figures: String?) throws -> StepPublication {
        try OutputLocation.checkFile(notebook, option: "--notebook")
        if let figures {
            try OutputLocation.checkFolder(figures, option: "--figures")
            OutputLocation.removeAbandonedFigures(in: figures)
        }
        let publication = StepPublication(notebook: notebook)
        lock.lock()
        active = publication
        lock.unlock()
        return publication
    }

    /// Records a change to make visible at `publish` (`publish`), and how to drop it otherwise (`discard`).
    public func stage(publish: @escaping () throws -> Void, discard: @escaping () -> Void) {
        Self.lock.lock()
        pending.append(Pending(publish: publish, discard: discard))
        Self.lock.unlock()
    }

    /// Writes `page` beside the notebook, then moves the staged artifact folders, the figures and the notebook into
    /// place, and closes the publication.
    public func publish(_ page: Notebook) throws {
        let file = try AtomicFile(path: notebook)
        try file.writer.write(page.markdown)
        Self.lock.lock()
        let changes = pending
        pending = []
        Self.lock.unlock()
        for change in changes { try change.publish() }
        try file.commit()
        close()
    }

    /// Drops everything staged and closes the publication: the previous outputs stay as they were.
    public func abandon() {
        Self.lock.lock()
        let changes = pending
        pending = []
        Self.lock.unlock()
        for change in changes { change.discard() }
        close()
    }

    private func close() {
        Self.lock.lock()
        if Self.active === self { Self.active = nil }
        Self.lock.unlock()
    }
}

/// Checks of the places a step writes to, made before it starts, and the removal of what an interrupted run left.
public enum OutputLocation {
    /// Throws `invalidOption(option)` unless `path` can become a file: not a folder, its parent a folder (created if
    /// missing) that accepts a new file.
    public static func checkFile(_ path: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw PipelineError.invalidOption(name: option, reason: "\(path) is a folder; name a file")
        }
        let parent = (path as NSString).deletingLastPathComponent
        try checkFolder(parent.isEmpty ? "." : parent, option: option)
    }

    /// Throws `invalidOption(option)` unless `folder` is a folder (created if missing) in which a file can be made.
    public static func checkFolder(_ folder: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw PipelineError.invalidOption(name: option, reason: "\(folder) is a file, not a folder")
            }
        } else {
            var ancestor = (folder as NSString).deletingLastPathComponent
            while !ancestor.isEmpty, !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) {
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            if !ancestor.isEmpty, !isFolder.boolValue {
                throw PipelineError.invalidOption(name: option, reason: "cannot create the folder \(folder): \(ancestor) is a file, not a folder")
            }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw PipelineError.invalidOption(name: option, reason: "cannot create the folder \(folder): \(reason(error))")
            }
        }
        let probe = folder + "/.write-probe-\(getpid())"
        let descriptor = Glibc.open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw PipelineError.invalidOption(name: option, reason: "cannot write into \(folder): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(probe)
    }

    /// The cause of a Foundation file error without its domain and code (the underlying POSIX message when there
    /// is one).
    static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        return (error as NSError).localizedFailureReason ?? error.localizedDescription
    }

    /// Whether process `pid` is still running (on this machine).
    static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// The process id at the end of a staging name (`.step3.partial-1234` → 1234), when `name` starts with `prefix`.
    static func stagingProcess(_ name: String, prefix: String, suffix: String = "") -> Int32? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return Int32(name.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// Removes the entries of `folder` named `prefix<pid>suffix` whose process is no longer running: what a killed or
    /// crashed run staged and never moved into place.
    static func removeAbandoned(in folder: String, prefix: String, suffix: String = "") {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names {
            if let pid = stagingProcess(name, prefix: prefix, suffix: suffix), !isRunning(pid) {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    /// Removes the staged figures (`.<name>.pending-<pid>.png`) of runs that are no longer running.
    static func removeAbandonedFigures(in folder: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".png") {
            guard let marker = name.range(of: ".pending-", options: .backwards),
                  let pid = Int32(name[marker.upperBound...].dropLast(4)), !isRunning(pid) else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }
}
