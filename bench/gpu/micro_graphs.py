"""Micro-benchmarks of single kernels replayed from CUDA graphs on one GPU (Strata issue #14, item 1).

What each kernel costs when no host launch sits between kernels: the per-kernel floor of tiny kernels, the
bandwidth of weight GEMVs (m = 1) and of element-wise kernels as a function of bytes moved, GEMM throughput at
decode batch sizes, and fused causal attention (scaled_dot_product_attention) in prefill and decode.
Each case: REPS copies of the kernel captured in one graph, the graph replayed ITERS times; the median replay
time (CUDA events) divided by REPS. Writes JSON to argv[1]. fp16, random data.
"""
import json, sys, time, statistics
import torch
import torch.nn.functional as F

dev = 'cuda'
torch.manual_seed(0)
ITERS = 15

def graph_time_us(fn, reps):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            fn()
    g.replay(); torch.cuda.synchronize()
    ts = []
    for _ in range(ITERS):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record(); g.replay(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b) * 1000 / reps)
    del g
    return statistics.median(ts)

def eager_time_us(fn, reps):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(5):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps): fn()
        b.record(); b.synchronize()
        ts.append(a.elapsed_time(b) * 1000 / reps)
    return statistics.median(ts)

out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda,
       'date': time.strftime('%Y-%m-%d', time.gmtime()), 'method': __doc__.strip()}

# 1. Tiny kernels: the floor.
x = torch.randn(256, device=dev, dtype=torch.float16)
y = torch.empty_like(x)
out['tiny_add_graph_us'] = graph_time_us(lambda: torch.add(x, 1.0, out=y), 200)
out['tiny_add_eager_us'] = eager_time_us(lambda: torch.add(x, 1.0, out=y), 200)

# 2. Element-wise (add of two tensors) vs bytes: read 2, write 1.
ew = []
for n in [2**12, 2**16, 2**18, 2**20, 2**22, 2**24, 2**26]:
    a = torch.randn(n, device=dev, dtype=torch.float16); b = torch.randn(n, device=dev, dtype=torch.float16); c = torch.empty_like(a)
    us = graph_time_us(lambda: torch.add(a, b, out=c), 50 if n < 2**22 else 10)
    ew.append({'elements': n, 'bytes': 3 * n * 2, 'us': us})
    del a, b, c
out['elementwise_add_graph'] = ew

# 3. Weight GEMV / GEMM (x @ W, W stored K x N as torch.matmul(x, W) with W of shape (K, N)) vs bytes.
mm = []
shapes = [(768, 2304), (768, 3072), (3072, 768), (1024, 4096), (1600, 4800), (2048, 8192), (4096, 1024),
          (4096, 4096), (4096, 6144), (4096, 14336), (14336, 4096), (4096, 28672), (4096, 12288), (12288, 49152),
          (4096, 128256), (768, 50257)]
for (k, n) in shapes:
    w = torch.randn(k, n, device=dev, dtype=torch.float16)
    for m in ([1, 8, 32, 64, 128, 256, 512] if (k, n) in [(4096, 6144), (4096, 28672), (14336, 4096)] else [1]):
        a = torch.randn(m, k, device=dev, dtype=torch.float16)
        o = torch.empty(m, n, device=dev, dtype=torch.float16)
        reps = 20 if k * n < 2**26 else 5
        us = graph_time_us(lambda: torch.matmul(a, w, out=o), reps)
        mm.append({'m': m, 'k': k, 'n': n, 'us': us, 'bytes': 2 * (k * n + m * k + m * n), 'flops': 2 * m * k * n})
        del a, o
    del w
out['matmul_graph'] = mm

# 4. Copy bandwidth (large).
a = torch.empty(2**28, device=dev, dtype=torch.float16); b = torch.empty_like(a)
out['copy_1GiB_graph'] = {'bytes': 2 * a.numel() * 2, 'us': graph_time_us(lambda: b.copy_(a), 3)}
del a, b

# 5. Fused attention (SDPA): prefill causal and decode, Llama-3-8B heads (32 q, 8 kv, d 128) and GPT-2 (12/12/64).
att = []
for (hq, hkv, d) in [(32, 8, 128)]:
    for (B, q, kv, causal) in [(1, 512, 512, True), (1, 2048, 2048, True), (1, 4096, 4096, True), (1, 4096, 4096, False),
                               (1, 1, 512, False), (8, 1, 512, False), (64, 1, 512, False), (256, 1, 512, False), (32, 1, 2048, False)]:
        Q = torch.randn(B, hq, q, d, device=dev, dtype=torch.float16)
        K = torch.randn(B, hkv, kv, d, device=dev, dtype=torch.float16)
        V = torch.randn_like(K)
        try:
            us = graph_time_us(lambda: F.scaled_dot_product_attention(Q, K, V, is_causal=causal, enable_gqa=True), 5)
        except Exception as e:
            us = None; print('sdpa failed', B, q, kv, e, file=sys.stderr)
        att.append({'batch': B, 'heads': hq, 'kvHeads': hkv, 'headDim': d, 'q': q, 'kv': kv, 'causal': causal, 'us': us})
        del Q, K, V
out['sdpa_graph'] = att

json.dump(out, open(sys.argv[1], 'w'), indent=1)
print(json.dumps(out)[:3000])
