// glibc's malloc_trim (not exported by Swift's Glibc module): lets the daemon return freed heap pages after a
// refresh cycle.
#include <malloc.h>
