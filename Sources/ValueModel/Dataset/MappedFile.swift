#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Pages are read on demand, so scanning it front to back is
/// streaming I/O without copying the file into anonymous memory.
public final class MappedFile {
    /// The path the file was opened from (used in error messages).
    public let path: String
    /// The file's bytes; valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`. Throws `PipelineError.missingFile` if it cannot be opened.
    public init(path: String, hint: String = "") throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw PipelineError.missingFile(path: path, hint: hint)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw PipelineError.missingFile(path: path, hint: "it is not a regular file. " + hint)
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED
        else {
            throw PipelineError.missingFile(path: path, hint: "it could not be mapped into memory (errno \(errno)).")
        }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
