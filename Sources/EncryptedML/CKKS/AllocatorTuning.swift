/// Process-wide allocator tuning for CKKS workloads, opt-in for applications.
///
/// CKKS operations allocate and free buffers of hundreds of kilobytes. glibc serves
/// those with `mmap`/`munmap` (or trims them back to the OS), so every operation pays
/// page faults and page clearing — measured at ~15% of a multiplication at N=8192.
/// SEAL avoids this with its own memory pool; here an application may instead raise
/// glibc's mmap and trim thresholds once. The `encml` command does so at start-up.
public enum AllocatorTuning {
    /// Raises the mmap threshold to 64 MiB and the trim threshold to 256 MiB (glibc only;
    /// no effect elsewhere). Call once at start-up; it affects the whole process.
    public static func keepLargeBuffersInTheHeap() {
        #if os(Linux)
        _ = glibcMallopt(-3, 64 << 20)  // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 256 << 20)  // M_TRIM_THRESHOLD
        #endif
    }
}

#if os(Linux)
/// glibc's `int mallopt(int, int)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
