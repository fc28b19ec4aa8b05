// Times OpenBLAS's cblas_sgemm on the shapes bench/GemmTiming times for LayerNet, the same way:
// row-major, alpha = 1, beta = 0, a warm-up, then 9 batches of at least 50 ms each; prints the median
// and best GFLOP/s of the batches. One thread: openblas_set_num_threads(1) (run it under `taskset -c 0`
// too, as compare.sh does, so both sides see one core).
//
// Build: gcc -O2 -o sgemm_bench sgemm_bench.c -I/usr/include/x86_64-linux-gnu/openblas-pthread
//          -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas   (compare.sh does this)
// Usage: sgemm_bench [SHAPE ...]   SHAPE = TATB:MxNxK, e.g. NT:64x100x1000 (default: the list below)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

extern void openblas_set_num_threads(int);
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);

static const char *default_shapes[] = {
    "NT:64x100x1000", "NN:64x1000x100", "TN:100x1000x64",
    "NT:64x10x100", "NN:64x100x10", "TN:10x100x64",
    "NN:512x512x512",
    "NN:20x576x25", "NN:50x64x500", "NT:64x500x800",
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static void fill(float *x, long count, unsigned *seed) {
    for (long i = 0; i < count; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        x[i] = (float)((*seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
}

static void run(const char *shape) {
    char ta, tb;
    int m, n, k;
    if (sscanf(shape, "%c%c:%dx%dx%d", &ta, &tb, &m, &n, &k) != 5) {
        fprintf(stderr, "bad shape '%s' (want e.g. NT:64x100x1000)\n", shape);
        exit(2);
    }
    int transA = ta == 'T', transB = tb == 'T';
    float *a = aligned_alloc(64, ((size_t)m * k * 4 + 63) / 64 * 64);
    float *b = aligned_alloc(64, ((size_t)k * n * 4 + 63) / 64 * 64);
    float *c = aligned_alloc(64, ((size_t)m * n * 4 + 63) / 64 * 64);
    unsigned seed = 1701;
    fill(a, (long)m * k, &seed);
    fill(b, (long)k * n, &seed);
    int lda = transA ? m : k, ldb = transB ? k : n;
#define CALL() cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, \
                           m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n)
    double flops = 2.0 * m * n * k;
    // Warm up for 0.2 s and calibrate a batch to at least 50 ms.
    long reps = 1;
    double start = now();
    while (now() - start < 0.2) CALL();
    for (;;) {
        double t0 = now();
        for (long r = 0; r < reps; r++) CALL();
        if (now() - t0 >= 0.05) break;
        reps *= 2;
    }
    double rates[9];
    for (int s = 0; s < 9; s++) {
        double t0 = now();
        for (long r = 0; r < reps; r++) CALL();
        rates[s] = flops * reps / (now() - t0) / 1e9;
    }
    qsort(rates, 9, sizeof rates[0], compare_double);
    printf("%c%c:%dx%dx%d median %.1f best %.1f GFLOP/s\n", ta, tb, m, n, k, rates[4], rates[8]);
    free(a);
    free(b);
    free(c);
}

int main(int argc, char **argv) {
    openblas_set_num_threads(1);
    printf("openblas core: %s\n", openblas_get_corename());
    printf("openblas config: %s\n", openblas_get_config());
    if (argc > 1)
        for (int i = 1; i < argc; i++) run(argv[i]);
    else
        for (size_t i = 0; i < sizeof default_shapes / sizeof default_shapes[0]; i++) run(default_shapes[i]);
    return 0;
}
