/* Open MPI's own MPI_Allreduce (in place, float sum) on this machine, the peer for LayerNet's per-iteration sum:
 * the sizes of LeNet's gradient (431 K floats), a mid-size one and ResNet-50's (25.6 M). Built by run.sh with mpicc. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int counts[] = {431080, 6500000, 25600000};
    for (int s = 0; s < 3; s++) {
        int count = counts[s];
        float *values = malloc((size_t)count * sizeof(float));
        for (int i = 0; i < count; i++) {
            values[i] = 1.0f;
        }
        MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
        int repeats = count < 1000000 ? 200 : 10;
        double start = MPI_Wtime();
        for (int k = 0; k < repeats; k++) {
            MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        double seconds = (MPI_Wtime() - start) / repeats;
        if (rank == 0) {
            printf("  %9d floats: %9.3f ms, %6.2f GB/s\n", count, seconds * 1e3, count * 4.0 / seconds / 1e9);
        }
        free(values);
    }
    MPI_Finalize();
    return 0;
}
