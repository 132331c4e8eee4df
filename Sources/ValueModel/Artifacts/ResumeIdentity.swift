/// What a resumable state (step 3's training state, step 4's scored chunks) was saved with: the options and input
/// hashes that must be the same for a run to continue from it, as `(option, value)` pairs such as
/// `("--seed", "2026")` or `("step 2 manifest hash", "…")`.
public enum ResumeIdentity {
    /// The options of a `Codable` value as identity pairs: its manifest keys (`ManifestOptions.flatten`) as the
    /// command-line options they name (`learningRate` → `--learning-rate`), so a mismatch names the option to pass.
    public static func options<Options: Encodable>(_ options: Options) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try ManifestOptions.flatten(options).map { ("--" + $0.key, $0.value) })
    }

    /// Throws unless `saved` equals `current`, naming the first key (in name order) that differs and what to do.
    public static func check(saved: [String: String], current: [String: String], path: String) throws {
        for key in Set(current.keys).union(saved.keys).sorted() where current[key] != saved[key] {
            let hint = key.hasPrefix("--") ? "Pass the same \(key)"
                : key.hasSuffix("hash") ? "Its inputs have changed since" : "Pass the options it was saved with"
            throw PipelineError.invalidData("""
                \(path) was saved with \(key) \(saved[key] ?? "(unset)"), this run has \(key) \(current[key] ?? "(unset)"): \
                it cannot be resumed. \(hint); or run without --resume to start over.
                """)
        }
    }
}
