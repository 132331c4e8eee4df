import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files so that a reader never sees a half-written one: bytes go to a temporary file in the same
/// folder, are flushed to disk, and the file is renamed over its final name in one step.
public enum AtomicWrite {
    /// Writes `data` to `path` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        try write(to: path, durable: durable) { handle in try handle.write(data) }
    }

    /// Flushes every file in `folder`, and the folder itself, to disk.
    public static func syncFolder(_ folder: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for path in names.map({ folder + "/" + $0 }) + [folder] {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { throw PipelineError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 || errno == EINVAL else {
                throw PipelineError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Writes a UTF-8 string to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Creates `path`'s temporary twin, lets `fill` write into it, flushes it and renames it into place.
    /// On any error the temporary file is removed and the old `path` (if any) is left as it was.
    /// `durable: false` skips the per-file `fsync`, for files inside a staging folder that is synced once
    /// as a whole before it is moved into place (`ArtifactDirectory`).
    public static func write(to path: String, durable: Bool = true, _ fill: (BufferedFileWriter) throws -> Void) throws {
        let file = try AtomicFile(path: path, durable: durable)
        try fill(file.writer)
        try file.commit()
    }
}

/// A file being written atomically: bytes go to `writer` (a temporary file beside `path`); `commit()`
/// flushes it and renames it over `path`. Dropped without `commit()`, the temporary file is removed.
public final class AtomicFile {
    public let path: String
    /// Where the bytes go until `commit()`.
    public let writer: BufferedFileWriter
    private let temporary: String
    private let durable: Bool
    private var committed = false

    /// Opens the temporary twin of `path`, creating the parent folder if needed.
    public init(path: String, durable: Bool = true) throws {
        self.path = path
        self.durable = durable
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.writeFailed(path: path, reason: "cannot create folder \(folder): \(error.localizedDescription)")
        }
        temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        writer = try BufferedFileWriter(path: temporary, reportedPath: path)
    }

    /// Flushes the bytes (to disk when durable) and renames the file into place.
    public func commit() throws {
        do {
            try writer.finish(durable: durable)
            guard rename(temporary, path) == 0 else {
                throw PipelineError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            committed = true
        } catch {
            writer.abandon()
            unlink(temporary)
            throw error
        }
    }

    deinit {
        if !committed {
            writer.abandon()
            unlink(temporary)
        }
    }
}

/// A buffered, append-only file writer over a raw descriptor (no per-row allocation).
public final class BufferedFileWriter {
    private let descriptor: Int32
    private let reportedPath: String
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20
    private var closed = false

    init(path: String, reportedPath: String) throws {
        self.reportedPath = reportedPath
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw PipelineError.writeFailed(path: reportedPath, reason: String(cString: strerror(errno)))
        }
        buffer.reserveCapacity(capacity)
    }

    deinit { abandon() }

    /// Appends raw bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            try writeFully(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends `data`.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Appends a string's UTF-8 bytes.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the raw memory of an array of plain values (little-endian on this platform).
    public func writeRaw<T>(_ values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw PipelineError.writeFailed(path: reportedPath, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    func finish(durable: Bool) throws {
        try flush()
        guard !durable || fsync(descriptor) == 0 || errno == EINVAL else {
            throw PipelineError.writeFailed(path: reportedPath, reason: String(cString: strerror(errno)))
        }
        closed = true
        guard close(descriptor) == 0 else {
            throw PipelineError.writeFailed(path: reportedPath, reason: String(cString: strerror(errno)))
        }
    }

    func abandon() {
        if !closed {
            closed = true
            close(descriptor)
        }
    }
}
