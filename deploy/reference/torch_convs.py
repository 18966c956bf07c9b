"""PyTorch reference per convolution: forward and backward (input and weight gradients) of every
distinct convolution of resnet20 and cifar-quick, one thread, channels-last, batch 64, best of 5
rounds of 20 (BENCHMARKS.md sets it against ConvBenchmark's figures for the same shapes).

  OMP_NUM_THREADS=1 torchenv/bin/python deploy/reference/torch_convs.py
"""
import sys, time, torch, torch.nn.functional as F
torch.set_num_threads(1)
B = 64
shapes = [(3,32,32,16,3,1,1),(16,32,32,16,3,1,1),(16,32,32,32,3,2,1),(32,16,16,32,3,1,1),(16,32,32,32,1,2,0),(32,16,16,64,3,2,1),(64,8,8,64,3,1,1),(32,16,16,64,1,2,0),
          (3,32,32,32,5,1,2),(32,16,16,32,5,1,2),(32,8,8,64,5,1,2)]
def best(f, n=20, r=5):
    for _ in range(5): f()
    out = 1e9
    for _ in range(r):
        t = time.perf_counter()
        for _ in range(n): f()
        out = min(out, (time.perf_counter() - t) / n)
    return out * 1e3
for (c,h,w,k,f,s,p) in shapes:
    x = torch.randn(B,c,h,w).contiguous(memory_format=torch.channels_last).requires_grad_(c != 3)
    wt = torch.randn(k,c,f,f).contiguous(memory_format=torch.channels_last).requires_grad_(True)
    y = F.conv2d(x, wt, None, s, p); dy = torch.randn_like(y).contiguous(memory_format=torch.channels_last)
    fwd = best(lambda: F.conv2d(x, wt, None, s, p))
    def bwd():
        x.grad = None; wt.grad = None
        yy = F.conv2d(x, wt, None, s, p); yy.backward(dy)
    tot = best(bwd)
    fl = 2 * B * y.shape[2] * y.shape[3] * k * c * f * f / 1e9
    print(f"{c}x{h}x{w} {k}f {f}x{f} s{s}: fwd {fwd:.2f} ms ({fl/fwd*1e3:.0f} GFLOP/s), bwd {tot-fwd:.2f} ms (fwd+bwd {tot:.2f})", flush=True)
