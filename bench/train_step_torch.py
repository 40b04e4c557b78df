"""One Adam step of the sasquash paper net in PyTorch (CPU), the baseline for bench/train_step.ts.

Same network and loss as models/autoencoder.ts: n -> m -> l -> m -> n, ReLU between layers,
linear output, loss (paper eq. 3, arXiv 2405.14270) mean (d(e(x)) - x)^2 + lambda/(B n) sum |z|.
Prints one JSON line: seconds per step (median), GFLOP/s, and the sgemm peak torch reaches.
Usage: python3 bench/train_step_torch.py [--n 4096 --m 4096 --ell 8192 --batch 512 --steps 3]
"""

import argparse
import json
import os
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--m", type=int, default=4096)
    parser.add_argument("--ell", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, m, ell, batch = args.n, args.m, args.ell, args.batch
    net = torch.nn.ModuleList([
        torch.nn.Linear(n, m), torch.nn.Linear(m, ell), torch.nn.Linear(ell, m), torch.nn.Linear(m, n),
    ])
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    x = torch.randn(batch, n)
    lam = 10.0

    def step() -> float:
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        h = torch.relu(net[0](x))
        z = torch.relu(net[1](h))
        y = net[3](torch.relu(net[2](z)))
        loss = torch.mean((y - x) ** 2) + lam * z.abs().sum() / (batch * n)
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    step()  # warm-up: allocations and Adam state
    times = [step() for _ in range(args.steps)]
    seconds = statistics.median(times)
    macs = 2 * n * m + 2 * m * ell
    flops = 3 * 2 * macs * batch
    a = torch.randn(batch, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    start = time.perf_counter()
    for _ in range(5):
        torch.mm(a, b)
    sgemm = 5 * 2 * batch * n * n / (time.perf_counter() - start) / 1e9
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds,
        "gflops": flops / seconds / 1e9, "sgemm_gflops": sgemm, "times": times,
    }))


if __name__ == "__main__":
    main()
