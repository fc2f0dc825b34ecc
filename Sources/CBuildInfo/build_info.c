#include "build_info.h"

#ifndef TRANSTOK_COMMIT
#define TRANSTOK_COMMIT "unknown"
#endif

const char *transtok_build_commit(void) { return TRANSTOK_COMMIT; }
