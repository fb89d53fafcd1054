#ifndef KORSKOLL_CSODIUM_SHIM_H
#define KORSKOLL_CSODIUM_SHIM_H
#include <sodium.h>
#endif
