"""PyTorch reference for conf/train/resnet20.conf: the same recipe in another framework, to tell a limit of
the recipe from a defect of ours (BENCHMARKS.md, "ResNet-20 to accuracy").

ResNet-20 (torch_bench.py's), batch 128 with batch norm over groups of 64 (two halves, each its own
forward/backward, gradients averaged: what data.shards = 2 does), SGD + Nesterov 0.9, lr 0.1,
one epoch of linear warm-up from 0.1x then a per-step cosine decay to 0, weight decay 5e-4 on every
parameter, random crops (4-pixel black padding) and flips, per-channel normalisation.
Prints per epoch: training accuracy (augmented, train mode, over the epoch), test accuracy, elapsed time.

  python3 -m venv torchenv && torchenv/bin/pip install "torch==2.13.0+cpu" numpy   # offline wheel, as torch_bench.py
  torchenv/bin/python deploy/reference/torch_train.py data/cifar10 --epochs 40 --threads 2
"""
import argparse, math, os, sys, time
import numpy as np
import torch, torch.nn.functional as F

import torch.nn as nn


# the data loader and ResNet-20 of ../shared/anchors/torch_bench.py (option B shortcuts, as conf/models/resnet20.model)
def load(dir_, files):
    recs = [np.fromfile(os.path.join(dir_, f), dtype=np.uint8).reshape(-1, 3073) for f in files]
    r = np.concatenate(recs)
    return r[:, 1:].reshape(-1, 3, 32, 32), r[:, 0].astype(np.int64)


def net():
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(1024, 64), nn.ReLU(), nn.Linear(64, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.b2 = nn.BatchNorm2d(cout)
        self.sc = None
        if stride != 1 or cin != cout:
            self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(self, x):
        y = F.relu(self.b1(self.c1(x))); y = self.b2(self.c2(y))
        return F.relu(y + (x if self.sc is None else self.sc(x)))


def resnet20():
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in [(16, 1), (32, 2), (64, 2)]:
        for i in range(3):
            layers.append(Block(cin, cout, stride if i == 0 else 1)); cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--epochs", type=int, default=40); ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--groups", type=int, default=2); ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=5e-4); ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    g = np.random.default_rng(a.seed)
    xtr, ytr = load(a.data, [f"data_batch_{i}.bin" for i in range(1, 6)])
    xte, yte = load(a.data, ["test_batch.bin"])
    mean = (xtr.reshape(-1, 3, 1024) / 255).mean(axis=(0, 2)).reshape(1, 3, 1, 1)
    std = (xtr.reshape(-1, 3, 1024) / 255).std(axis=(0, 2)).reshape(1, 3, 1, 1)
    norm = lambda x: torch.from_numpy(((x / 255 - mean) / std).astype(np.float32))
    # pad with black (0) before normalising, as RandomCrop(32, padding=4) on the raw image does
    xtr_p = norm(np.pad(xtr, ((0, 0), (0, 0), (4, 4), (4, 4))))
    xte_t = norm(xte); ytr_t = torch.from_numpy(ytr); yte_t = torch.from_numpy(yte)
    m = resnet20().to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(m.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=a.wd)
    n = len(ytr); spe = n // a.batch; total = spe * a.epochs; warm = int(round(a.warmup * spe))

    def lr_at(step):
        if step < warm:
            return a.lr * (0.1 + 0.9 * step / warm)
        s = step - warm; span = max(1, total - warm)
        return a.lr * 0.5 * (1 + math.cos(math.pi * s / span))

    t0 = time.time(); step = 0; half = a.batch // a.groups
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} steps/epoch {spe}", flush=True)
    for ep in range(1, a.epochs + 1):
        m.train(); perm = g.permutation(n); correct = 0; seen = 0; loss_sum = 0.0
        for b in range(spe):
            idx = perm[b * a.batch:(b + 1) * a.batch]
            oy = g.integers(0, 9, a.batch); ox = g.integers(0, 9, a.batch); fl = g.integers(0, 2, a.batch)
            xb = torch.empty(a.batch, 3, 32, 32)
            for k, i in enumerate(idx):
                c = xtr_p[i, :, oy[k]:oy[k] + 32, ox[k]:ox[k] + 32]
                xb[k] = c.flip(2) if fl[k] else c
            xb = xb.contiguous(memory_format=torch.channels_last); yb = ytr_t[idx]
            for pg in opt.param_groups: pg["lr"] = lr_at(step)
            opt.zero_grad(set_to_none=True)
            for h in range(a.groups):
                sl = slice(h * half, (h + 1) * half)
                out = m(xb[sl]); loss = F.cross_entropy(out, yb[sl]) / a.groups
                loss.backward()
                correct += (out.argmax(1) == yb[sl]).sum().item(); loss_sum += loss.item() * a.groups * half
            seen += a.batch
            opt.step(); step += 1
        m.eval(); tc = 0
        with torch.no_grad():
            for s in range(0, len(yte), 500):
                tc += (m(xte_t[s:s + 500].contiguous(memory_format=torch.channels_last)).argmax(1) == yte_t[s:s + 500]).sum().item()
        print(f"epoch {ep} train_loss {loss_sum / seen:.4f} train_acc {100 * correct / seen:.2f} "
              f"test_acc {100 * tc / len(yte):.2f} lr_end {lr_at(step - 1):.5f} elapsed {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
