"""Shape sweep of single products and element-wise kernels with a cold L2, replayed from CUDA graphs (Strata issue
#14, item 1: does a kernel's efficiency depend on its shape beyond floor + max(bytes / bandwidth, FLOPs / rate)?).

Unlike micro_graphs.py, every case rotates over enough copies of its weights (at least 8 x the 50 MB L2) that each
kernel streams its weights from DRAM, as a decoder step does. Each case: the R copies' kernels captured in one CUDA
graph, the graph replayed ITERS times; the median replay time (CUDA events) / R. Kernels of one call of each product
are counted and named by torch.profiler (a split-K product runs a second, reduction kernel). fp16, random data.
Writes JSON to argv[1]. Run on the device machine: `python3 bench/gpu/shape_sweep.py out.json` (about 15 s).
"""
import json, sys, time, statistics
import torch

dev = 'cuda'
torch.manual_seed(0)
ITERS = 11
COLD_BYTES = 400 * 2**20


def graph_time_us(fns):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for fn in fns[:2]:
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for fn in fns:
            fn()
    g.replay(); torch.cuda.synchronize()
    ts = []
    for _ in range(ITERS):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record(); g.replay(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b) * 1000 / len(fns))
    del g
    return statistics.median(ts)


def kernels_of(fn):
    from torch.profiler import profile, ProfilerActivity
    fn(); torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as p:
        fn(); torch.cuda.synchronize()
    names = [e.name for e in p.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    return names


out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda,
       'sms': torch.cuda.get_device_properties(0).multi_processor_count,
       'date': time.strftime('%Y-%m-%d', time.gmtime()), 'method': __doc__.strip()}

# 0. Floor: a tiny add, 200 in one graph.
x = torch.randn(256, device=dev, dtype=torch.float16); y = torch.empty_like(x)
out['tiny_add_graph_us'] = graph_time_us([lambda: torch.add(x, 1.0, out=y)] * 200)

# 1. Element-wise add (read 2, write 1) vs bytes, cold.
ew = []
for n in [2**14, 2**16, 2**18, 2**19, 2**20, 2**21, 2**22, 2**23, 2**24, 2**25, 2**26]:
    copies = max(2, min(200, COLD_BYTES // (6 * n) + 1))
    bufs = [(torch.randn(n, device=dev, dtype=torch.float16), torch.randn(n, device=dev, dtype=torch.float16), torch.empty(n, device=dev, dtype=torch.float16)) for _ in range(copies)]
    us = graph_time_us([(lambda a=a, b=b, c=c: torch.add(a, b, out=c)) for (a, b, c) in bufs])
    ew.append({'elements': n, 'bytes': 6 * n, 'copies': copies, 'us': us})
    del bufs
out['elementwise_add_cold'] = ew

# 2. Products x (m x k) @ W (k x n), W cold.
hs = [768, 1024, 1280, 1600, 2048, 2560, 4096, 5120, 8192]
shapes = []
for h in hs:
    shapes += [(1, h, h), (1, h, 3 * h), (1, h, 4 * h), (1, 4 * h, h)]
for (k, n) in [(4096, 6144), (4096, 4096), (14336, 4096), (4096, 28672), (4096, 128256)]:
    for m in [1, 8, 32, 64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 4096]:
        if (m, k, n) not in shapes:
            shapes.append((m, k, n))
for (m, k, n) in [(2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192), (1024, 5120, 10240), (2048, 13312, 2048), (128, 768, 2304), (512, 768, 3072), (4096, 768, 3072), (4096, 3072, 768)]:
    shapes.append((m, k, n))
mm = []
for (m, k, n) in shapes:
    wbytes = 2 * k * n
    copies = max(2, min(100, COLD_BYTES // wbytes + 1))
    ws = [torch.randn(k, n, device=dev, dtype=torch.float16) for _ in range(copies)]
    a = torch.randn(m, k, device=dev, dtype=torch.float16)
    o = torch.empty(m, n, device=dev, dtype=torch.float16)
    us = graph_time_us([(lambda w=w: torch.matmul(a, w, out=o)) for w in ws])
    names = kernels_of(lambda: torch.matmul(a, ws[0], out=o))
    mm.append({'m': m, 'k': k, 'n': n, 'copies': copies, 'us': us, 'bytes': 2 * (k * n + m * k + m * n), 'flops': 2 * m * k * n,
               'kernels': len(names), 'kernel_names': [nm[:120] for nm in names]})
    del ws, a, o
    torch.cuda.empty_cache()
out['matmul_cold'] = mm

json.dump(out, open(sys.argv[1], 'w'), indent=1)
print('done', len(mm), 'products')
