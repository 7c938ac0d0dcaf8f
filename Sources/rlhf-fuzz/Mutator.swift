import Kernels

/// Seeded mutations of a byte string, as a fuzzer without coverage makes them:
/// bit flips, bytes set to values parsers care about, insertions and deletions,
/// a range repeated (deep nesting, long runs), a splice from another seed, and a
/// token of the target's own dictionary put in. The same seed gives the same inputs.
struct Mutator {
    var rng: Random
    let seeds: [[UInt8]]
    let dictionary: [[UInt8]]

    static let interesting: [UInt8] = Array("{}[]()\"':,.-+*/%~|=<>#$\\ \t\r\n0123456789eE".utf8) + [0, 0x7F, 0x80, 0xBF, 0xC0, 0xEF, 0xFF]

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// A new input: a seed, mutated one to eight times.
    mutating func next() -> [UInt8] {
        var bytes = seeds[below(seeds.count)]
        for _ in 0...below(8) { mutate(&bytes) }
        return bytes
    }

    mutating func mutate(_ b: inout [UInt8]) {
        let at = below(b.count + 1)
        switch below(8) {
        case 0 where !b.isEmpty:  // flip a bit
            let i = below(b.count)
            b[i] ^= 1 << UInt8(below(8))
        case 1 where !b.isEmpty:  // a byte parsers care about
            b[below(b.count)] = Self.interesting[below(Self.interesting.count)]
        case 2:  // insert a few bytes
            b.insert(contentsOf: (0...below(4)).map { _ in Self.interesting[below(Self.interesting.count)] }, at: at)
        case 3 where !b.isEmpty:  // delete a range
            let end = min(b.count, at + 1 + below(16))
            if at < end { b.removeSubrange(at..<end) }
        case 4 where !b.isEmpty:  // repeat a range many times: deep nesting, long runs
            let start = below(b.count), end = min(b.count, start + 1 + below(8))
            let piece = Array(b[start..<end]), times = [2, 16, 256, 4096][below(4)]
            b.insert(contentsOf: Array(repeating: piece, count: times).joined(), at: end)
        case 5:  // splice a part of another seed
            let other = seeds[below(seeds.count)]
            guard !other.isEmpty else { return }
            let start = below(other.count), end = min(other.count, start + 1 + below(64))
            b.insert(contentsOf: other[start..<end], at: at)
        case 6 where !dictionary.isEmpty:  // a token of the target's language
            b.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
        default:  // a number where one might be
            let numbers = ["0", "-1", "1e30", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "2.5", "NaN",
                           "1e-300", "65536", "4294967296"]
            b.insert(contentsOf: Array(numbers[below(numbers.count)].utf8), at: at)
        }
        if b.count > 1 << 20 { b.removeSubrange((1 << 20)...) }  // inputs stay under a megabyte
    }
}
