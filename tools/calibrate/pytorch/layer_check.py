"""One transformer layer measured on a GPU through PyTorch, for dtsim's per-layer compute check.

A Llama-style decoder layer written out here (no framework's module, so every kernel is visible):
RMSNorm, fused QKV projection, rotary embedding, scaled_dot_product_attention (causal; GQA's K and
V repeated to the query heads),
output projection, residual add, RMSNorm, SwiGLU MLP (gate+up fused, down), residual add; bf16,
eager mode. Prints YAML rows [name, hidden, heads, kv_heads, ffn, tp, micro_batch, seq, backend,
fwd_us, fwd_bwd_us]: medians of CUDA-event-timed calls after warm-up. `tp` shards the heads and
the FFN as Megatron-LM's tensor parallelism does (the collectives are not run: compute only).
Run: python3 tools/calibrate/pytorch/layer_check.py
"""
import statistics
import torch
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend


def bench(fn, reps=10, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize()
        ts.append(s.elapsed_time(e) / 1e3)
    return statistics.median(ts)


class Layer(torch.nn.Module):
    def __init__(self, hidden, heads, kv_heads, ffn, tp):
        super().__init__()
        self.h, self.kv, self.d = heads // tp, kv_heads // tp, hidden // heads
        self.norm1 = torch.nn.RMSNorm(hidden)
        self.qkv = torch.nn.Linear(hidden, (self.h + 2 * self.kv) * self.d, bias=False)
        self.o = torch.nn.Linear(self.h * self.d, hidden, bias=False)
        self.norm2 = torch.nn.RMSNorm(hidden)
        self.gate_up = torch.nn.Linear(hidden, 2 * ffn // tp, bias=False)
        self.down = torch.nn.Linear(ffn // tp, hidden, bias=False)

    def rope(self, x, cos, sin):
        x1, x2 = x[..., : self.d // 2], x[..., self.d // 2:]
        return x * cos + torch.cat((-x2, x1), dim=-1) * sin

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).split([self.h * self.d, self.kv * self.d, self.kv * self.d], -1)
        q = self.rope(q.view(b, s, self.h, self.d).transpose(1, 2), cos, sin)
        k = self.rope(k.view(b, s, self.kv, self.d).transpose(1, 2), cos, sin)
        v = v.view(b, s, self.kv, self.d).transpose(1, 2)
        # Grouped-query attention as the query heads' copies of K and V (one copy kernel each).
        k, v = (t.repeat_interleave(self.h // self.kv, dim=1) for t in (k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(b, s, self.h * self.d))
        g, u = self.gate_up(self.norm2(x)).chunk(2, dim=-1)
        return x + self.down(F.silu(g) * u)


print("torch", torch.__version__, torch.cuda.get_device_name(0))
print("layers:  # [name, hidden, heads, kv_heads, ffn, tp, micro_batch, seq, backend, fwd_us, fwd_bwd_us]")
configs = [("llama3_8b", 4096, 32, 8, 14336), ("llama3_70b", 8192, 64, 8, 28672)]
for name, hidden, heads, kv, ffn in configs:
    for tp, mb, seq in [(1, 1, 8192), (1, 2, 4096), (2, 1, 8192), (4, 1, 8192), (8, 1, 8192)]:
        if name == "llama3_70b" and tp < 4:
            continue
        for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION):
            try:
                torch.manual_seed(0)
                layer = Layer(hidden, heads, kv, ffn, tp).cuda().to(torch.bfloat16)
                d = hidden // heads
                pos = torch.arange(seq, device="cuda", dtype=torch.float32)
                inv = 1.0 / (500000.0 ** (torch.arange(0, d, 2, device="cuda").float() / d))
                ang = torch.outer(pos, inv)
                cos = torch.cat((ang, ang), -1).cos().to(torch.bfloat16)
                sin = torch.cat((ang, ang), -1).sin().to(torch.bfloat16)
                x = torch.randn(mb, seq, hidden, device="cuda", dtype=torch.bfloat16, requires_grad=True)
                dy = torch.randn_like(x)
                with sdpa_kernel([backend]):
                    fwd = bench(lambda: layer(x, cos, sin))
                    def step():
                        layer(x, cos, sin).backward(dy)
                    both = bench(step)
                print(f"  - [{name}, {hidden}, {heads}, {kv}, {ffn}, {tp}, {mb}, {seq}, {backend.name.lower()}, {fwd*1e6:.1f}, {both*1e6:.1f}]", flush=True)
                del layer, x, dy
            except Exception as e:
                print(f"  # {name} tp{tp} mb{mb} s{seq} {backend.name}: {type(e).__name__}: {str(e)[:160]}", flush=True)
