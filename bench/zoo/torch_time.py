"""PyTorch's forward time for torchvision's equivalent of a zoo net: the median of ITER timed passes, in ms.

    /usr/bin/python3 bench/zoo/torch_time.py NET BATCH THREADS [ITER]

NET is resnet50, googlenet, squeezenet1_1 or mobilenet_v2; prints `NET BATCH THREADS median_ms`.
"""
import statistics
import sys
import time

import torch
import torchvision.models as models


def make(name):
    if name == "googlenet":
        return models.googlenet(aux_logits=False, init_weights=False)
    return getattr(models, name)()


def main():
    name, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = make(name).eval()
    size = 227 if name == "squeezenet1_1" else 224
    x = torch.randn(batch, 3, size, size)
    times = []
    with torch.no_grad():
        for _ in range(max(3, iterations // 10)):
            net(x)
        for _ in range(iterations):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1000)
    print(f"{name} {batch} {threads} {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
