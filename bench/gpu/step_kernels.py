"""Where a Llama-3-8B prefill step's time goes, kernel by kernel, and whether its products run as fast inside the
step as alone (Strata issue #14, item 1).

The cold shape sweep (h100-shape-sweep.json) says compute-bound products alone reach a median 0.73 of the dense
peak; the micro products the preset is fitted on say 0.673; the measured prefill steps agree with 0.673. This
script asks why, on the same decoder as decoder_steps.py (fp16, random weights):
- `steps`: one eager step of each case under torch.profiler; every GPU kernel's name and duration, summed by class
  (products: cuBLAS nvjet/gemm/splitK kernels; attention: the SDPA kernel; other: element-wise, norms, copies),
  and the products' durations in launch order (per layer: QKV, output, gate+up, down; then the LM head);
- `alone`: the same products (m = prompt tokens) alone, each in one CUDA graph of REPS back-to-back calls
  replayed 5 times (median per call), so they run sustained at their own pace with warm weights;
- `sustained`: one product (4096 x 4096 x 28672) REPS_LONG times back to back in one CUDA graph, replayed, with
  the SM clock and board power sampled by nvidia-smi in the command that runs this script (smi.csv beside it).
Writes JSON to argv[1].
"""
import json, sys, time, statistics
import torch
from torch.profiler import profile, ProfilerActivity
from decoder_steps import Decoder, MODELS

dev = 'cuda'; dt = torch.float16
REPS = 20
REPS_LONG = 400


def kernel_class(name):
    n = name.lower()
    if 'flash' in n or 'fmha' in n or 'attention' in n or 'sdpa' in n:
        return 'attention'
    if 'nvjet' in n or 'gemm' in n or 'splitkreduce' in n or 'cutlass' in n or 'sm90_xmma' in n:
        return 'products'
    return 'other'


def profile_step(name, phase, B, n):
    c = MODELS[name]
    ctx, new = (n, 1) if phase == 'decode' else (0, n)
    dec = Decoder(c, B, ctx, new)
    with torch.no_grad():
        for _ in range(3): dec.step()
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            dec.step(); torch.cuda.synchronize()
    ks = [(e.name, e.time_range.elapsed_us()) for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    by = {}
    for nm, us in ks:
        k = kernel_class(nm)
        by.setdefault(k, [0, 0.0]); by[k][0] += 1; by[k][1] += us
    products = [round(us, 2) for nm, us in ks if kernel_class(nm) == 'products']
    names = sorted({nm[:90] for nm, _ in ks if kernel_class(nm) == 'products'})
    del dec; torch.cuda.empty_cache()
    return dict(model=name, phase=phase, batch=B, context_or_prompt=n, kernels=len(ks),
                by_class={k: dict(kernels=v[0], us=round(v[1], 1)) for k, v in by.items()},
                product_us_in_order=products, product_kernel_names=names)


def graph_of(fn, reps):
    st = torch.cuda.Stream(); st.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(st):
        fn()
    torch.cuda.current_stream().wait_stream(st)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps): fn()
    return g


def replay_us(g, reps, n=5):
    ts = []
    for _ in range(n):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record(); g.replay(); b.record(); b.synchronize(); ts.append(a.elapsed_time(b) * 1000 / reps)
    return ts


def alone(m, k, n):
    x = torch.randn(m, k, device=dev, dtype=dt); w = torch.randn(k, n, device=dev, dtype=dt) * 0.02
    g = graph_of(lambda: x @ w, REPS)
    g.replay(); torch.cuda.synchronize()
    ts = replay_us(g, REPS)
    us = statistics.median(ts)
    return dict(m=m, k=k, n=n, us=round(us, 2), tflops=round(2 * m * k * n / us / 1e6, 1))


def main():
    out = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__, cuda=torch.version.cuda,
               sms=torch.cuda.get_device_properties(0).multi_processor_count,
               date=time.strftime('%Y-%m-%d', time.gmtime()), method=__doc__.strip())
    out['steps'] = [profile_step('llama3-8b', 'prefill', 1, 1024), profile_step('llama3-8b', 'prefill', 1, 4096)]
    out['alone'] = [alone(m, k, n) for m in (1024, 4096) for (k, n) in ((4096, 6144), (4096, 4096), (4096, 28672), (14336, 4096))]
    x = torch.randn(4096, 4096, device=dev, dtype=dt); w = torch.randn(4096, 28672, device=dev, dtype=dt) * 0.02
    g = graph_of(lambda: x @ w, REPS_LONG)
    t0 = time.time()
    ts = replay_us(g, REPS_LONG, n=8)
    out['sustained'] = dict(m=4096, k=4096, n=28672, calls_per_replay=REPS_LONG, us_per_call_by_replay=[round(t, 2) for t in ts],
                            replay_start_unix=t0, tflops_by_replay=[round(2 * 4096 * 4096 * 28672 / t / 1e6, 1) for t in ts])
    json.dump(out, open(sys.argv[1], 'w'), indent=1)
    print(json.dumps({k: v for k, v in out.items() if k != 'method'})[:6000])


if __name__ == '__main__':
    main()
