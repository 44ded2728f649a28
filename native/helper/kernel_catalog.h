/* The probe/kernelCatalog request: what in the kernel can be probed, and how. */
#ifndef PROBE_LENS_KERNEL_CATALOG_H
#define PROBE_LENS_KERNEL_CATALOG_H

#include <jansson.h>
#include "capabilities.h"
#include "rpc.h"

json_t *kernel_catalog(const struct capability_report *capabilities, json_t *params, struct rpc_failure *failure);

#endif
