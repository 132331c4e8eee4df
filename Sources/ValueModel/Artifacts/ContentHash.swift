#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast 64-bit content hash (not cryptographic) used to tell whether an input changed since an artifact
/// was made. Reads the file through a memory map, 8 bytes at a time.
public enum ContentHash {
    /// The hash of a file's bytes as 16 hex digits.
    public static func ofFile(_ path: String) throws -> String {
        let file = try MappedFile(path: path)
        return hex(of: file.bytes)
    }

    /// The hash of a byte buffer as 16 hex digits.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for index in 0..<words {
            let word = bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
            hash = (hash ^ mix(word)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 29
        }
        var tail: UInt64 = 0
        for index in (words * 8)..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
        hash = mix(hash ^ mix(tail))
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
