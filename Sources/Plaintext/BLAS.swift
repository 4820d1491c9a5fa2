import CBLAS

/// Thin wrappers over OpenBLAS for row-major Double matrices. Every batch product of the
/// trainers goes through these (dgemm/dgemv), never through Swift loops over samples.
@usableFromInline
enum BLAS {
    /// Switches OpenBLAS to one thread, once per process, before the first trainer call.
    /// The trainers' matrices (mini-batches of ≤ 200 rows, a few hundred columns) are far too
    /// small to gain from threads, and OpenBLAS's worker threads compete for cores: measured
    /// here, 100 MLP epochs on digits took 2.1 s with the default threads on a busy 2-core
    /// machine versus 0.05 s single-threaded. Swift initialises globals once, thread-safely,
    /// so concurrent trainers never race on the OpenBLAS call.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// `C ← alpha · op(A) · op(B) + beta · C` with `op(A)` m×k, `op(B)` k×n, `C` m×n, row-major.
    /// O(m·n·k) flops in OpenBLAS.
    @inlinable
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y ← alpha · op(A) · x + beta · y` with `A` m×n row-major. O(m·n).
    @inlinable
    static func gemv(transpose: Bool, m: Int, n: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                     _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// Dot product of two length-n vectors. O(n).
    @inlinable
    static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(Int32(n), x, 1, y, 1)
    }

    /// `y ← alpha · x + y`. O(n).
    @inlinable
    static func axpy(_ n: Int, alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(n), alpha, x, 1, y, 1)
    }
}
