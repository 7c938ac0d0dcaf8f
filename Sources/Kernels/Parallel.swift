/// How many threads the kernels use, and the one place that splits work.
///
/// Every kernel that runs in parallel splits its rows into contiguous chunks
/// whose results do not depend on the number of chunks, so one and two threads
/// give bit-identical numbers. BLAS itself runs single-threaded inside each
/// chunk: one thread pool for everything, no OpenBLAS workers spinning against
/// ours.
public enum Parallel {
    nonisolated(unsafe) private static var threadCount = 1

    /// The number of threads kernels split work over (at least 1).
    public static var threads: Int {
        get { threadCount }
        set {
            threadCount = max(1, newValue)
        }
    }

    /// Runs `body(range)` over `0..<count` split into at most `threads`
    /// contiguous ranges of at least `grain` items each.
    @inlinable
    public static func forEach(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threads, max(1, count / max(grain, 1)))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        run(count: count, chunks: chunks, body)
    }

    /// Kernels share raw pointers across threads on purpose; each chunk owns a
    /// disjoint part of the output, which is what makes this safe.
    @usableFromInline
    static func run(count: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
        WorkerPool.shared.run(chunks: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if hi > lo { body(lo..<hi) }
        }
    }
}
