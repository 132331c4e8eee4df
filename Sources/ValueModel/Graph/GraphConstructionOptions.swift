extension GraphConstruction {
    /// Step 2's options that define its artifacts, as its manifest records them (`ManifestOptions.flatten`): the
    /// message-passing edges and the tiny graph's seed. Not among them: the `--processed` folder and the notebook's
    /// paths.
    public struct Options: Codable, Equatable, Sendable {
        public var messagePassing: MessagePassing
        public var seed: UInt64

        public init(messagePassing: MessagePassing = .all, seed: UInt64 = 2026) {
            self.messagePassing = messagePassing
            self.seed = seed
        }
    }
}
