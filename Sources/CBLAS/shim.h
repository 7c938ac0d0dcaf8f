// OpenBLAS's C interface (Debian's libopenblas-dev, pthread build).
#include <cblas.h>
