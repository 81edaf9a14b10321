#define _GNU_SOURCE 1  // for O_DIRECT in <fcntl.h>

#include "CSyscall.h"

#include <fcntl.h>

int rill_o_direct_flag(void) {
#if defined(O_DIRECT)
    return O_DIRECT;
#else
    return 0;
#endif
}
