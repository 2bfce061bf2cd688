/* A stand-in for the driver's libnvidia-ml.so.1, for testing ds01-gpud
 * without a GPU: the recording machine of the ds01 sessions (4 A100s; GPUs 2
 * and 3 in MIG mode with 2 x 3g.20gb and 3 x 2g.10gb), exactly the devices of
 * tests/fixtures/recording-nvidia-smi-L.txt.  GPU 3's MIG slots sit at
 * device indexes 0, 1 and 2 of a maximum of 7; index 3 to 6 are empty.
 * Only the calls ds01-gpud makes exist (gpud/tests/fake_nvml.rs builds it); nvml-wrapper resolves symbols
 * lazily. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *nvmlDevice_t;
typedef struct { unsigned gpu, memory; } nvmlUtilization_t;
typedef struct {
    unsigned mp, ce, dec, enc, jpeg, ofa, gi_slices, ci_slices;
    unsigned long long memory_mb;
} nvmlDeviceAttributes_t;

enum { OK = 0, INVALID_ARG = 2, NOT_SUPPORTED = 3, INSUFFICIENT = 7, NOT_FOUND = 6, DRIVER_NOT_LOADED = 9 };
#define GPUS 4
#define MIG_BASE 0x1000

static const char *gpu_uuid[GPUS] = {
    "GPU-0a0a0a0a-1111-2222-3333-000000000000", "GPU-1b1b1b1b-1111-2222-3333-111111111111",
    "GPU-2c2c2c2c-1111-2222-3333-222222222222", "GPU-3d3d3d3d-1111-2222-3333-333333333333"};
static const unsigned gpu_util[GPUS] = {12, 0, 0, 55};
static const int mig_count[GPUS] = {0, 0, 2, 3};

static long id(nvmlDevice_t d) { return (long)d; }
static int is_mig(nvmlDevice_t d) { return id(d) >= MIG_BASE; }
static int gpu_of(nvmlDevice_t d) { return is_mig(d) ? (id(d) - MIG_BASE) / 16 : id(d) - 1; }
static int mig_of(nvmlDevice_t d) { return (id(d) - MIG_BASE) % 16; }
static int copy(char *to, unsigned len, const char *from) {
    if (strlen(from) + 1 > len) return INSUFFICIENT;
    strcpy(to, from);
    return OK;
}

/* FAKE_NVML_NO_DRIVER set: the library loads but the driver does not answer. */
int nvmlInit_v2(void) { return getenv("FAKE_NVML_NO_DRIVER") ? DRIVER_NOT_LOADED : OK; }
int nvmlShutdown(void) { return OK; }
const char *nvmlErrorString(int r) { return r == OK ? "Success" : "Fake NVML error"; }
int nvmlSystemGetDriverVersion(char *v, unsigned len) { return copy(v, len, "550.54.15"); }
int nvmlSystemGetCudaDriverVersion_v2(int *v) { *v = 12040; return OK; }
int nvmlSystemGetCudaDriverVersion(int *v) { *v = 12040; return OK; }
int nvmlDeviceGetCount_v2(unsigned *n) { *n = GPUS; return OK; }
int nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d) {
    if (i >= GPUS) return INVALID_ARG;
    *d = (nvmlDevice_t)(long)(i + 1);
    return OK;
}
int nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned len) {
    char text[96];
    int g = gpu_of(d);
    if (!is_mig(d)) return copy(name, len, "NVIDIA A100-SXM4-40GB");
    snprintf(text, sizeof text, "NVIDIA A100-SXM4-40GB MIG %s", g == 2 ? "3g.20gb" : "2g.10gb");
    return copy(name, len, text);
}
int nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned len) {
    char text[96];
    int g = gpu_of(d), m = mig_of(d);
    if (!is_mig(d)) return copy(uuid, len, gpu_uuid[g]);
    snprintf(text, sizeof text, "MIG-%s00000%d-aaaa-bbbb-cccc-00000000000%d", g == 2 ? "2c" : "3d", m, m);
    return copy(uuid, len, text);
}
int nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned *current, unsigned *pending) {
    if (is_mig(d)) return NOT_SUPPORTED;
    *current = *pending = mig_count[gpu_of(d)] > 0;
    return OK;
}
int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t d, unsigned *n) {
    *n = mig_count[gpu_of(d)] > 0 ? 7 : 0;
    return OK;
}
int nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t d, unsigned i, nvmlDevice_t *mig) {
    int g = gpu_of(d);
    if (i >= 7) return INVALID_ARG;
    if ((int)i >= mig_count[g]) return NOT_FOUND;
    *mig = (nvmlDevice_t)(long)(MIG_BASE + g * 16 + i);
    return OK;
}
int nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    int g = gpu_of(d);
    /* As real drivers: no figure for a GPU in MIG mode or a MIG device,
     * except GPU 3's device 1 (to test a MIG slot's own figure). */
    if (is_mig(d) && !(g == 3 && mig_of(d) == 1)) return NOT_SUPPORTED;
    if (!is_mig(d) && g == 2) return NOT_SUPPORTED;
    u->gpu = is_mig(d) ? 7 : gpu_util[g];
    u->memory = 0;
    return OK;
}
int nvmlDeviceGetAttributes_v2(nvmlDevice_t d, nvmlDeviceAttributes_t *a) {
    if (!is_mig(d)) return NOT_SUPPORTED;
    memset(a, 0, sizeof *a);
    a->gi_slices = gpu_of(d) == 2 ? 3 : 2;
    a->memory_mb = gpu_of(d) == 2 ? 19968 : 9856;
    return OK;
}
