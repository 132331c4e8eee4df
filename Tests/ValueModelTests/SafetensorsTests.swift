import Foundation
import Testing
@testable import ValueModel

@Suite("Safetensors: read and write")
struct SafetensorsTests {
    @Test("Round trip of several dtypes with metadata; header 8-byte aligned and sorted")
    func roundTrip() throws {
        var file = SafetensorsFile(metadata: ["format": "pt", "note": "quote \" and newline \n"])
        file.tensors["b.weight"] = SafetensorsTensor(float32: [1, -2.5, 3, .infinity, 0, 6], shape: [2, 3])
        file.tensors["a.index"] = SafetensorsTensor(int64: [-1, 0, Int64.max], shape: [3])
        file.tensors["c.f64"] = SafetensorsTensor(float64: [0.1, 1e300], shape: [2, 1])
        file.tensors["d.i32"] = SafetensorsTensor(int32: [7], shape: [])
        file.tensors["e.empty"] = SafetensorsTensor(float32: [], shape: [0, 4])
        let data = try file.serialized()
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect((8 + headerLength) % 8 == 0)
        let header = String(decoding: data[8..<(8 + Int(headerLength))], as: UTF8.self)
        #expect(header.contains("\"a.index\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]}"))
        let back = try SafetensorsFile(data: data)
        #expect(back == file)
        #expect(try back.tensor("a.index").integers() == [-1, 0, Int64.max])
        #expect(try back.tensor("c.f64").doubles() == [0.1, 1e300])
        #expect(try back.tensor("b.weight").floats()[3] == .infinity)
        #expect(try back.tensor("d.i32").count == 1)
    }

    @Test("Reads a file written by Python's safetensors (the PyTorch fixture), with metadata")
    func readsPythonFile() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let f = try SafetensorsFile(contentsOf: dir.appendingPathComponent("gnn_reference.safetensors"))
        #expect(f.metadata["hidden"] == "8")
        let manifest = try JSONSerialization.jsonObject(with: Data(f.metadata["manifest"]!.utf8)) as! [String]
        #expect(Set(manifest) == Set(f.tensors.keys))
        #expect(try f.tensor("input.edge_index").dtype == .i64)
        #expect(try f.tensor("param.node_emb.weight").shape == [12, 8])
    }

    @Test("Half-precision conversions")
    func halfPrecision() throws {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, smallest subnormal 0x0001 = 2^-24; BF16: 1.0 = 0x3F80
        let f16 = try SafetensorsTensor(dtype: .f16, shape: [3], bytes: [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00])
        #expect(f16.floats() == [1, -2, 0x1p-24])
        let bf16 = try SafetensorsTensor(dtype: .bf16, shape: [1], bytes: [0x80, 0x3F])
        #expect(bf16.floats() == [1])
    }

    @Test("Malformed files are rejected with a reason, never a trap")
    func malformed() throws {
        let good = try SafetensorsFile(tensors: ["x": SafetensorsTensor(float32: [1, 2], shape: [2])]).serialized()
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: good.prefix(5)) }
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: good.prefix(good.count - 1)) }
        var hugeHeader = good
        hugeHeader[0] = 0xFF
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: hugeHeader) }
        func make(_ json: String, data: [UInt8]) -> Data {
            var d = Data()
            withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(contentsOf: Array(json.utf8))
            d.append(contentsOf: data)
            return d
        }
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: make("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8))) }
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: make("{\"x\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0])) }
        #expect(throws: PipelineError.self) { try SafetensorsFile(data: make("[1,2]", data: [])) }
        #expect(throws: PipelineError.self) { try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
        let ok = try SafetensorsFile(data: make("{\"__metadata__\":{\"k\":\"v\"},\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", data: [3, 4]))
        #expect(try ok.tensor("x").integers() == [3, 4] && ok.metadata == ["k": "v"])
    }

    @Test("Model checkpoints carry PyTorch state_dict names and [out, in] weight shapes")
    func checkpointNames() throws {
        var g = SeededGenerator(seed: 3)
        let mlp = EdgeMLP(generator: &g)
        let file = mlp.parameters.safetensors(metadata: ["model": "EdgeMLP"])
        #expect(file.tensors.keys.sorted() == ["net.0.bias", "net.0.weight", "net.2.bias", "net.2.weight", "net.4.bias", "net.4.weight", "net.6.bias", "net.6.weight"])
        #expect(file.tensors["net.0.weight"]!.shape == [128, 64] && file.tensors["net.6.weight"]!.shape == [4, 64])
        let adjacency = try GCNNormalizedAdjacency(nodeCount: 5, sources: [0, 1], targets: [3, 4])
        let gnn = GNNModel(adjacency: adjacency, hidden: 8, generator: &g)
        let names = Set(gnn.parameters.entries.map(\.name))
        #expect(names == ["node_emb.weight", "gcn1.lin.weight", "gcn1.bias", "gcn2.lin.weight", "gcn2.bias", "gcn3.lin.weight", "gcn3.bias",
                          "edge_mlp.0.weight", "edge_mlp.0.bias", "edge_mlp.2.weight", "edge_mlp.2.bias", "edge_mlp.4.weight", "edge_mlp.4.bias",
                          "edge_mlp.6.weight", "edge_mlp.6.bias"])
        #expect(gnn.parameters.entry("edge_mlp.0.weight")!.shape == [128, 80])
        // Initialisation bounds: Linear U(±1/√fan_in), glorot U(±√(6/(2H))), GCN bias zeros, embedding ~N(0,1).
        #expect(mlp.parameters.value("net.0.weight")!.allSatisfy { abs($0) <= 1 / 8 })
        #expect(gnn.parameters.value("gcn1.lin.weight")!.allSatisfy { abs($0) <= Float((6.0 / 16).squareRoot()) })
        #expect(gnn.parameters.value("gcn2.bias")!.allSatisfy { $0 == 0 })
        let emb = gnn.parameters.value("node_emb.weight")!
        #expect(emb.contains { abs($0) > 1 })
    }
}
