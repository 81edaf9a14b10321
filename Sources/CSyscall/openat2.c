#define _GNU_SOURCE 1  // for syscall() in <unistd.h> under strict C modes

#include "CSyscall.h"

#include <errno.h>

#if defined(__linux__)
#include <unistd.h>

// 437 on x86_64 and arm64 alike: system calls added since Linux 5.1 share one number on most architectures.
#define RILL_SYS_openat2 437

long rill_openat2(int folder, const char *path, const struct rill_open_how *how) {
    return syscall(RILL_SYS_openat2, folder, path, how, sizeof *how);
}
#else
long rill_openat2(int folder, const char *path, const struct rill_open_how *how) {
    (void)folder;
    (void)path;
    (void)how;
    errno = ENOSYS;
    return -1;
}
#endif
