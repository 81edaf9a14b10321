#ifndef RILL_CSYSCALL_H
#define RILL_CSYSCALL_H

#include <stdint.h>

/// The argument of openat2(2), laid out as the kernel's `struct open_how` (linux/openat2.h, Linux 5.6),
/// so that no particular kernel headers are needed to build.
struct rill_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

/// openat2(2) through syscall(): glibc has no wrapper for it, and Swift cannot call the variadic
/// syscall() itself. Returns the descriptor, or -1 with errno set (ENOSYS on kernels before 5.6
/// and on systems other than Linux).
long rill_openat2(int folder, const char *path, const struct rill_open_how *how);

/// The open(2) flag O_DIRECT (its value differs between architectures, and Glibc shows it to Swift
/// only under _GNU_SOURCE); 0 where the system has none.
int rill_o_direct_flag(void);

#endif
