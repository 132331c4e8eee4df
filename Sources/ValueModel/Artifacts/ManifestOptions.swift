import Foundation

/// A step's options as its manifest records them, derived from the `Codable` options value itself, so each option is
/// spelled once: each top-level property becomes a kebab-case key (`stepsPerEpoch` → `steps-per-epoch`) with its
/// value as JSON text (a string without its quotes; a nested value as compact JSON with sorted keys and unescaped
/// slashes, so a path reads as written).
public enum ManifestOptions {
    public static func flatten<Options: Encodable>(_ options: Options) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let object = try JSONSerialization.jsonObject(with: encoder.encode(options))
        guard let top = object as? [String: Any] else {
            throw PipelineError.invalidData("options of type \(Options.self) do not encode as a JSON object")
        }
        var flat: [String: String] = [:]
        for (key, value) in top {
            if let text = value as? String {
                flat[kebabCase(key)] = text
            } else {
                let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
                flat[kebabCase(key)] = String(decoding: data, as: UTF8.self)
            }
        }
        return flat
    }

    /// `camelCase` → `camel-case`.
    static func kebabCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "-" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
