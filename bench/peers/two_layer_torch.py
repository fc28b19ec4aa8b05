"""The lecture's two-layer net in PyTorch (CPU, float32), same shapes and update as two_layer_numpy.py.

Usage: python3 two_layer_torch.py [manual|autograd] [ITERATIONS] [THREADS]
  manual:   forward and gradients written out with tensor ops, weights updated in place;
  autograd: loss.backward() and torch.optim.SGD.
THREADS (default 1) goes to torch.set_num_threads. Prints the loop's iterations/s on stdout.
"""
import sys
import time

import torch


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "manual"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    batch, inputs, hidden, outputs = 64, 1000, 100, 10
    generator = torch.Generator().manual_seed(1701)
    x = torch.randn(batch, inputs, generator=generator)
    y = torch.randn(batch, outputs, generator=generator)
    w1 = torch.randn(inputs, hidden, generator=generator)
    w2 = torch.randn(hidden, outputs, generator=generator)
    lr = 1e-4

    first = last = None
    start = time.perf_counter()
    if mode == "manual":
        with torch.no_grad():
            for step in range(steps):
                h = torch.sigmoid(x @ w1)
                y_pred = h @ w2
                diff = y_pred - y
                loss = float(diff.square().sum())
                grad_y_pred = 2.0 * diff
                grad_w2 = h.t() @ grad_y_pred
                grad_h = grad_y_pred @ w2.t()
                grad_w1 = x.t() @ (grad_h * h * (1.0 - h))
                w1.sub_(grad_w1, alpha=lr)
                w2.sub_(grad_w2, alpha=lr)
                first = loss if step == 0 else first
                last = loss
    elif mode == "autograd":
        w1.requires_grad_(True)
        w2.requires_grad_(True)
        optimizer = torch.optim.SGD([w1, w2], lr=lr)
        for step in range(steps):
            y_pred = torch.sigmoid(x @ w1) @ w2
            loss = (y_pred - y).square().sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(loss)
            first = value if step == 0 else first
            last = value
    else:
        sys.exit(f"unknown mode '{mode}' (manual or autograd)")
    elapsed = time.perf_counter() - start
    print(f"torch {torch.__version__} {mode}: {steps} iterations in {elapsed:.3f} s = {steps / elapsed:.0f} it/s "
          f"(loss {first:.1f} -> {last:.1f})")


if __name__ == "__main__":
    main()
