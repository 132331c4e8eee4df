/// The item features `X` `[items, d]` laid out for the bilinear scorer's two per-session products, eight items per
/// SIMD lane group: `panels[(block · d + k) · 8 + lane] = X[block · 8 + lane, k]`, the items padded with zero rows
/// to `paddedItems`, a multiple of 8.
///
/// With `logits = h W Xᵀ` (`ActorCritic`'s `.itemFeatures` scorer), a session's logits are `z = X u` for its query
/// `u = h W` `[d]`, and the gradient reaching `u` is `Xᵀ dz`: two passes over X per session, d multiply-adds per item
/// each, instead of a hidden-width (64) product per item through the item matrix `X Wᵀ`. Sums run in a fixed order
/// (item blocks in sequence, then the eight lanes), so a session's numbers do not depend on the thread count.
struct ItemPanels {
    let items: Int
    let width: Int
    /// `items` rounded up to a multiple of 8: the length of the buffers `scores` writes and `transposedProduct` reads.
    let paddedItems: Int
    private let storage: FloatBuffer
    /// `[paddedItems / 8, width, 8]`, 64-byte aligned (so that SSE multiplies read the panels straight from memory).
    private let panels: UnsafeMutablePointer<Float>

    /// Panels of `features` `[items, width]`.
    init(features: UnsafePointer<Float>, items: Int, width: Int) {
        self.items = items
        self.width = width
        paddedItems = (items + 7) / 8 * 8
        storage = FloatBuffer(count: paddedItems * width + 16)
        let misalignment = Int(bitPattern: storage.pointer) % 64
        panels = storage.pointer + (misalignment == 0 ? 0 : (64 - misalignment) / 4)
        for j in 0..<items {
            let block = j / 8, lane = j % 8
            for k in 0..<width { panels[(block * width + k) * 8 + lane] = features[j * width + k] }
        }
    }

    /// `z[j] = Σ_k u[k] X[j, k]` for every item (the padding gets 0).
    // u: [width] -> z: [paddedItems]
    func scores(_ u: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>) {
        let d = width, blocks = paddedItems / 8, panel = d &* 8, panelBytes = d &* 32   // one block's panel
        var block = 0
        // Four blocks (32 items) at a time, so each broadcast of u[k] serves four multiply-adds; pointers advance
        // by increments (no index arithmetic, no overflow checks in the inner loop).
        while block &+ 4 <= blocks {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var x = UnsafeRawPointer(panels + block &* panel), uk = u
            let end = uk + d
            while uk < end {
                let b = SIMD8<Float>(repeating: uk.pointee)
                a0 += b * x.load(as: SIMD8<Float>.self)
                a1 += b * x.load(fromByteOffset: panelBytes, as: SIMD8<Float>.self)
                a2 += b * x.load(fromByteOffset: 2 &* panelBytes, as: SIMD8<Float>.self)
                a3 += b * x.load(fromByteOffset: 3 &* panelBytes, as: SIMD8<Float>.self)
                x += 32
                uk += 1
            }
            let out = UnsafeMutableRawPointer(z + block &* 8)
            out.storeBytes(of: a0, toByteOffset: 0, as: SIMD8<Float>.self)
            out.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
            out.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
            out.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
            block &+= 4
        }
        while block < blocks {
            var a = SIMD8<Float>()
            var x = UnsafeRawPointer(panels + block &* panel)
            for k in 0..<d {
                a += SIMD8<Float>(repeating: u[k]) * x.load(as: SIMD8<Float>.self)
                x += 32
            }
            UnsafeMutableRawPointer(z + block &* 8).storeBytes(of: a, as: SIMD8<Float>.self)
            block &+= 1
        }
    }

    /// `g[k] = Σ_j dz[j] X[j, k]`; `dz`'s padding must be 0.
    // dz: [paddedItems] -> g: [width]
    func transposedProduct(_ dz: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>) {
        let d = width, blocks = paddedItems / 8, panelBytes = d &* 32
        // Four features at a time over every block: four accumulators, dz read once per group (it stays in L1).
        var k = 0
        while k &+ 4 <= d {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var x = UnsafeRawPointer(panels + k &* 8), v = UnsafeRawPointer(dz)
            let end = v + blocks &* 32
            while v < end {
                let e = v.loadUnaligned(as: SIMD8<Float>.self)
                a0 += e * x.load(as: SIMD8<Float>.self)
                a1 += e * x.load(fromByteOffset: 32, as: SIMD8<Float>.self)
                a2 += e * x.load(fromByteOffset: 64, as: SIMD8<Float>.self)
                a3 += e * x.load(fromByteOffset: 96, as: SIMD8<Float>.self)
                x += panelBytes
                v += 32
            }
            g[k] = a0.sum(); g[k &+ 1] = a1.sum(); g[k &+ 2] = a2.sum(); g[k &+ 3] = a3.sum()
            k &+= 4
        }
        while k < d {
            var a = SIMD8<Float>()
            var x = UnsafeRawPointer(panels + k &* 8), v = UnsafeRawPointer(dz)
            for _ in 0..<blocks {
                a += v.loadUnaligned(as: SIMD8<Float>.self) * x.load(as: SIMD8<Float>.self)
                x += panelBytes
                v += 32
            }
            g[k] = a.sum()
            k &+= 1
        }
    }
}
