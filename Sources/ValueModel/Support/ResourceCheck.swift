import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks made before large allocations and writes, so a step stops with a message that says what it needs
/// instead of being killed by the kernel or leaving a disk full.
public enum ResourceCheck {
    /// Memory the system can still give (Linux `MemAvailable`), in bytes; nil where unknown.
    public static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }

    /// Free space for an unprivileged writer on the file system holding `folder` (or its nearest existing
    /// parent), in bytes.
    public static func availableDisk(at folder: String) -> Int? {
        var path = folder.isEmpty ? "." : folder
        while !FileManager.default.fileExists(atPath: path), path != "/", !path.isEmpty {
            path = (path as NSString).deletingLastPathComponent
            if path.isEmpty { path = "." }
        }
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Throws unless about `bytes` of memory are available; `what` names the need and `hint` the way out.
    public static func requireMemory(_ bytes: Int, for what: String, hint: String, available: Int? = availableMemory()) throws {
        guard let available, bytes > available else { return }
        throw PipelineError.invalidData("\(what) needs about \(gib(bytes)) of memory, only \(gib(available)) is available. \(hint)")
    }

    /// Throws unless about `bytes` of disk are free under `folder`.
    public static func requireDisk(_ bytes: Int, under folder: String, for what: String, available: Int? = nil) throws {
        guard let free = available ?? availableDisk(at: folder), bytes > free else { return }
        throw PipelineError.writeFailed(path: folder, reason: "\(what) needs about \(gib(bytes)) of disk, only \(gib(free)) is free there. Free some space or choose another output folder.")
    }

    /// A size for a message: GiB with one decimal from 1 GiB on, else MiB, else bytes (so no size reads "0.0 GiB").
    static func gib(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / 1_073_741_824) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return "\(bytes) bytes"
    }
}
