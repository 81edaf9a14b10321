import TorrentCore

/// The header shared by the BEP 52 `hash request`, `hashes` and `hash reject` messages: which
/// hashes of which file's merkle tree are asked for.
///
/// Layers count up from the leaves (layer 0: one hash per 16 KiB block). `length` hashes of
/// `baseLayer` are asked for, starting at `index`, plus the uncle hashes of `proofLayers` layers
/// above them so the receiver can tie them to the file's root.
public struct HashRequest: Hashable, Sendable, CustomStringConvertible {
    /// The file's 32-byte merkle root (`pieces root`).
    public let piecesRoot: [UInt8]
    public let baseLayer: Int
    public let index: Int
    public let length: Int
    public let proofLayers: Int

    /// Bytes on the wire: the root and four 32-bit fields.
    public static let encodedSize = 48
    /// The most hashes one request may ask for (libtorrent's limit; larger requests are refused).
    public static let maxLength = 8192

    /// nil unless the root has 32 bytes and every field fits 32 bits.
    public init?(piecesRoot: [UInt8], baseLayer: Int, index: Int, length: Int, proofLayers: Int) {
        guard piecesRoot.count == 32,
              [baseLayer, index, length, proofLayers].allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) })
        else { return nil }
        self.piecesRoot = piecesRoot
        self.baseLayer = baseLayer
        self.index = index
        self.length = length
        self.proofLayers = proofLayers
    }

    public var description: String {
        let root = Hex.encode(Array(piecesRoot.prefix(4)))
        return "layer \(baseLayer) [\(index)+\(length)] proofs \(proofLayers) of \(root)…"
    }
}
