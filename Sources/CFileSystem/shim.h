// Swapping two directory entries in one atomic step, which Swift's Glibc
// module does not expose (renameat2 is declared only under _GNU_SOURCE).
// Returns 0, or -1 with errno set (EINVAL or ENOTSUP where the file system
// cannot swap, ENOENT when either path is missing).
#if defined(__linux__)
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE); RENAME_EXCHANGE is 1 << 1 in <linux/fs.h>.
static inline int rlhf_exchange_paths(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 1 << 1);
}
#elif defined(__APPLE__)
#include <stdio.h>

/// renamex_np with RENAME_SWAP, Darwin's equivalent.
static inline int rlhf_exchange_paths(const char *a, const char *b) {
    return renamex_np(a, b, RENAME_SWAP);
}
#endif
