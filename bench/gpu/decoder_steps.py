"""A minimal decoder in plain PyTorch, timed per step on one GPU (Strata issue #14, item 1).

The decoder follows the setup of h100-measured.json: fused QKV and fused gate+up projections,
scaled_dot_product_attention on a preallocated KV cache of exactly `context` positions, the LM head on the last
token only; fp16, random weights. LayerNorm/GELU for GPT-2, RMSNorm (F.rms_norm)/rotary/SwiGLU with GQA for Llama.
Each step is captured in one CUDA graph and replayed (median of 30 replays, CUDA events) and also run eagerly
(median of 10). torch.profiler counts the kernels of one eager step, so the kernels per layer are measured, not
guessed. Writes JSON to argv[1].
"""
import json, sys, time, statistics
import torch
import torch.nn.functional as F

dev = 'cuda'; dt = torch.float16
MODELS = {
    'gpt2-small': dict(L=12, d=768, h=12, kv=12, ffn=3072, vocab=50257, kind='gpt2'),
    'gpt2-xl': dict(L=48, d=1600, h=25, kv=25, ffn=6400, vocab=50257, kind='gpt2'),
    'llama3-8b': dict(L=32, d=4096, h=32, kv=8, ffn=14336, vocab=128256, kind='llama'),
}

class Decoder:
    def __init__(s, c, batch, ctx, new):
        s.c = c; d = c['d']; s.hd = d // c['h']; s.B = batch; s.new = new
        qkv = (c['h'] + 2 * c['kv']) * s.hd
        r = lambda *sh: (torch.randn(*sh, device=dev, dtype=dt) * 0.02)
        s.W = [dict(qkv=r(d, qkv), o=r(c['h'] * s.hd, d),
                    up=r(d, 2 * c['ffn'] if c['kind'] == 'llama' else c['ffn']), down=r(c['ffn'], d),
                    n1=torch.ones(d, device=dev, dtype=dt), n2=torch.ones(d, device=dev, dtype=dt),
                    b_qkv=r(qkv) if c['kind'] == 'gpt2' else None) for _ in range(c['L'])]
        s.emb = r(c['vocab'], d); s.head = r(d, c['vocab']); s.pos = r(8192, d)
        s.T = ctx + new
        s.K = [torch.zeros(batch, c['kv'], s.T, s.hd, device=dev, dtype=dt) for _ in range(c['L'])]
        s.V = [torch.zeros_like(s.K[0]) for _ in range(c['L'])]
        s.ctx = ctx
        s.ids = torch.randint(0, c['vocab'], (batch, new), device=dev)
        t = torch.arange(ctx, ctx + new, device=dev, dtype=torch.float32)
        f = 1.0 / (500000 ** (torch.arange(0, s.hd, 2, device=dev, dtype=torch.float32) / s.hd))
        ang = torch.outer(t, f)
        s.cos = torch.cat([ang.cos(), ang.cos()], -1).to(dt); s.sin = torch.cat([ang.sin(), ang.sin()], -1).to(dt)

    def norm(s, x, w):
        if s.c['kind'] == 'gpt2':
            return F.layer_norm(x, (x.shape[-1],), w)
        return F.rms_norm(x, (x.shape[-1],), w, 1e-5)

    def rope(s, x):
        h = x.shape[-1] // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], -1)
        return x * s.cos + rot * s.sin

    def step(s):
        c = s.c; B, n, hd = s.B, s.new, s.hd
        x = s.emb[s.ids]
        if c['kind'] == 'gpt2':
            x = x + s.pos[s.ctx:s.ctx + n]
        for l, w in enumerate(s.W):
            h = s.norm(x, w['n1'])
            qkv = h @ w['qkv']
            if w['b_qkv'] is not None: qkv = qkv + w['b_qkv']
            q, k, v = qkv.split([c['h'] * hd, c['kv'] * hd, c['kv'] * hd], -1)
            q = q.view(B, n, c['h'], hd).transpose(1, 2); k = k.view(B, n, c['kv'], hd).transpose(1, 2); v = v.view(B, n, c['kv'], hd).transpose(1, 2)
            if c['kind'] == 'llama':
                q = s.rope(q); k = s.rope(k)
            s.K[l][:, :, s.ctx:s.ctx + n] = k; s.V[l][:, :, s.ctx:s.ctx + n] = v
            a = F.scaled_dot_product_attention(q, s.K[l], s.V[l], is_causal=(n > 1), enable_gqa=(c['kv'] != c['h']))
            x = x + a.transpose(1, 2).reshape(B, n, c['h'] * hd) @ w['o']
            h = s.norm(x, w['n2'])
            u = h @ w['up']
            if c['kind'] == 'llama':
                g, u2 = u.chunk(2, -1); u = F.silu(g) * u2
            else:
                u = F.gelu(u, approximate='tanh')
            x = x + u @ w['down']
        return s.norm(x[:, -1], s.W[0]['n2']) @ s.head

def timed(fn, n):
    ts = []
    for _ in range(n):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize(); ts.append(a.elapsed_time(b))
    return statistics.median(ts)

def main():
    CASES = [('gpt2-small', 'decode', 1, 128), ('gpt2-xl', 'decode', 1, 128), ('gpt2-small', 'decode', 32, 512),
             ('llama3-8b', 'decode', 1, 512), ('llama3-8b', 'decode', 16, 1024), ('llama3-8b', 'decode', 64, 2048),
             ('llama3-8b', 'prefill', 1, 1024), ('llama3-8b', 'prefill', 1, 2048), ('llama3-8b', 'prefill', 1, 4096),
             ('llama3-8b', 'prefill', 4, 1024)]
    res = []
    for (name, phase, B, n) in CASES:
        c = MODELS[name]
        ctx, new = (n, 1) if phase == 'decode' else (0, n)
        try:
            dec = Decoder(c, B, ctx, new)
            with torch.no_grad():
                for _ in range(3): dec.step()
                torch.cuda.synchronize()
                eager = timed(dec.step, 10)
                from torch.profiler import profile, ProfilerActivity
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    dec.step(); torch.cuda.synchronize()
                kernels = sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
                st = torch.cuda.Stream(); st.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(st):
                    dec.step()
                torch.cuda.current_stream().wait_stream(st)
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    dec.step()
                graph = timed(g.replay, 30)
            res.append(dict(model=name, phase=phase, batch=B, context_or_prompt=n, graph_ms=graph, eager_ms=eager, kernels_per_step=kernels))
            print(res[-1], flush=True)
            del dec, g
        except Exception as e:
            res.append(dict(model=name, phase=phase, batch=B, context_or_prompt=n, error=str(e)[:200]))
            print(res[-1], flush=True)
        torch.cuda.empty_cache()
    json.dump({'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d', time.gmtime()),
               'method': __doc__.strip(), 'steps': res}, open(sys.argv[1], 'w'), indent=1)

if __name__ == '__main__':
    main()
