import Foundation
import Synchronization

/// The threads that run `Parallel.forEach`'s chunks: the caller runs chunk 0
/// and workers the rest. A worker that finishes spins briefly for the next job
/// before it sleeps, because kernels come in quick succession (a forward pass
/// is a few hundred of them) and waking a sleeping thread costs 10–50 µs,
/// which would eat the gain of splitting a small kernel.
final class WorkerPool: @unchecked Sendable {
    /// The pool every kernel shares.
    static let shared = WorkerPool()

    private let inUse = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private var workers: [Worker] = []  // changed only by the caller holding `inUse`
    // Written by the caller before `generation` is published, read by workers after.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var chunkCount = 0

    private final class Worker: @unchecked Sendable {
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    /// Runs `body(c)` for c in 0..<chunks, chunk 0 on the calling thread.
    /// If another caller holds the pool (nested or concurrent use), runs all
    /// chunks on the calling thread instead; the results are the same.
    func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 1, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for c in 0..<chunks { body(c) }
            return
        }
        defer { inUse.store(false, ordering: .releasing) }
        ensureWorkers(chunks - 1)
        withoutActuallyEscaping(body) { body in
            job = body
            chunkCount = chunks
            // Every worker takes part in every job (those past `chunks` do nothing),
            // so none can still be reading one job when the next is published.
            remaining.store(workers.count, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            for w in workers where w.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                w.wake.signal()
            }
            body(0)
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 1000 { sched_yield() }
            }
            job = nil
        }
    }

    private func ensureWorkers(_ n: Int) {
        while workers.count < n {
            // The worker starts from the current generation: the job about to be
            // published may come before its thread first runs.
            let worker = Worker(), index = workers.count + 1, start = generation.load(ordering: .acquiring)
            workers.append(worker)
            let thread = Thread { [unowned self] in self.loop(worker, index: index, seen: start) }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    private func loop(_ worker: Worker, index: Int, seen start: Int) {
        var seen = start
        while true {
            // Spin for a while (about 50–200 µs), then sleep until signalled.
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > 20_000 {
                    worker.sleeping.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) != seen {
                        // A job arrived meanwhile: if the caller already took our flag, it will signal.
                        if !worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) { worker.wake.wait() }
                    } else {
                        worker.wake.wait()
                    }
                    spins = 0
                } else if spins > 2_000 {
                    sched_yield()
                }
            }
            seen = generation.load(ordering: .acquiring)
            if index < chunkCount, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
