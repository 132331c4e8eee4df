import Foundation

extension ParameterStore {
    /// Every parameter as an F32 tensor under its state_dict name (weights `[out, in]`), plus `metadata`:
    /// `torch.load_state_dict(safetensors.torch.load_file(path))` restores the PyTorch model.
    public func safetensors(metadata: [String: String] = [:]) -> SafetensorsFile {
        var tensors: [String: SafetensorsTensor] = [:]
        for e in entries {
            tensors[e.name] = SafetensorsTensor(float32: value(e.name)!, shape: e.shape)
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Writes the checkpoint to `url`.
    public func saveSafetensors(to url: URL, metadata: [String: String] = [:]) throws {
        try safetensors(metadata: metadata).write(to: url)
    }

    /// Loads every parameter from `file` (names and shapes must match; extra tensors are ignored only when
    /// `allowExtra`), converting F64/F16/BF16 to F32.
    public func load(from file: SafetensorsFile, allowExtra: Bool = false) throws {
        for e in entries {
            let t = try file.tensor(e.name)
            guard t.shape == e.shape else {
                throw PipelineError.invalidData("checkpoint tensor \(e.name) has shape \(t.shape), the model needs \(e.shape)")
            }
            try setValue(e.name, t.floats())
        }
        if !allowExtra {
            let known = Set(entries.map(\.name))
            let extra = file.tensors.keys.filter { !known.contains($0) }.sorted()
            if !extra.isEmpty { throw PipelineError.invalidData("checkpoint has tensors this model does not: \(extra.joined(separator: ", "))") }
        }
    }

    /// Reads a checkpoint file and loads it (see `load(from:allowExtra:)`); a tensor that is missing, extra or of
    /// another shape is an error naming the file.
    public func loadSafetensors(from url: URL, allowExtra: Bool = false) throws {
        let file = try SafetensorsFile(contentsOf: url)
        do { try load(from: file, allowExtra: allowExtra) } catch let PipelineError.invalidData(reason) {
            throw PipelineError.malformedInput(SourceLocation(file: url.path), reason: reason)
        }
    }
}
