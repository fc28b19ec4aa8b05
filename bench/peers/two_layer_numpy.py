"""The lecture's two-layer net in numpy: x (64 x 1000) -> W1 (1000 x 100) -> sigmoid -> W2 (100 x 10),
loss = sum((y_pred - y)^2), plain SGD with lr 1e-4, 2000 steps on one fixed random batch, gradients by hand.

Usage: python3 two_layer_numpy.py [float32|float64] [ITERATIONS]
Prints the loop's iterations/s (and the first and last loss, to show it trains) on stdout.
"""
import sys
import time

import numpy as np


def main():
    dtype = np.dtype(sys.argv[1] if len(sys.argv) > 1 else "float32")
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    batch, inputs, hidden, outputs = 64, 1000, 100, 10
    rng = np.random.default_rng(1701)
    x = rng.standard_normal((batch, inputs)).astype(dtype)
    y = rng.standard_normal((batch, outputs)).astype(dtype)
    w1 = rng.standard_normal((inputs, hidden)).astype(dtype)
    w2 = rng.standard_normal((hidden, outputs)).astype(dtype)
    lr = dtype.type(1e-4)
    one, two = dtype.type(1), dtype.type(2)

    first = last = None
    np.seterr(over="ignore")  # exp(-a) overflows to inf for very negative a: sigmoid is then 0, as it should be
    start = time.perf_counter()
    for step in range(steps):
        h = one / (one + np.exp(-(x @ w1)))          # forward: hidden activations
        y_pred = h @ w2
        diff = y_pred - y
        loss = float(np.square(diff).sum())
        grad_y_pred = two * diff                      # backward, layer by layer
        grad_w2 = h.T @ grad_y_pred
        grad_h = grad_y_pred @ w2.T
        grad_w1 = x.T @ (grad_h * h * (one - h))
        w1 -= lr * grad_w1                            # SGD update
        w2 -= lr * grad_w2
        if step == 0:
            first = loss
        last = loss
    elapsed = time.perf_counter() - start
    print(f"numpy {dtype.name}: {steps} iterations in {elapsed:.3f} s = {steps / elapsed:.0f} it/s "
          f"(loss {first:.1f} -> {last:.1f})")


if __name__ == "__main__":
    main()
