import Kernels

extension Commands {
    static let about = CommandSpec(
        "about",
        summary: "what the engine runs on: CPU, vector width, BLAS and its kernel, threads, memory",
        help: """
            Names the CPU (as cpuid does), the widest vectors it can use, the BLAS library \
            with the kernel it runs and how that kernel was chosen, and the threads the \
            kernels use. OpenBLAS's kernel is chosen from the CPU's features before the \
            library loads (OPENBLAS_CORETYPE, when you set it, wins); a kernel narrower \
            than the CPU's vectors is flagged, since GEMM then runs several times slower. \
            rlhf-bench measures the speeds against this machine's own FMA peak. The \
            memory row is this process's resident memory, now and at its highest.
            """,
        examples: ["about"]
    ) { _, context in
        let cpu = Machine.cpu, blas = BLAS.status
        var rows = [
            ["cpu", cpu.summary],
            ["vectors", "\(cpu.vectorBits)-bit; " + cpu.features.joined(separator: " ")],
            ["blas", blas.summary + " (\(blas.library))"],
            ["bf16", BFloat16Products.summary + (context.session.settings.bf16 == .exact ? "; set bf16 exact: widened" : "")],
            ["threads", "\(context.session.settings.threads) (set threads N)"],
        ]
        if let memory = Machine.residentMemory() {
            rows.append(["memory", "\(memory.current >> 20) MiB resident, at most \(memory.peak >> 20) MiB so far"])
        }
        if let problem = blas.mismatch(on: cpu) { rows.append(["warning", problem]) }
        return CommandOutput(Table(["", ""], rows).render(header: false))
    }
}
