"""An independent check of `dtsim calibrate --backend cuda` on the same GPU, through PyTorch.

Run where PyTorch with CUDA is installed: `python3 tools/calibrate/pytorch/cross_check.py`.
Prints PyTorch's own bf16/fp16/tf32/fp32 matmul times and copy bandwidth for shapes the harness
also measures, then scaled_dot_product_attention forward and forward+backward times per back-end
(FlashAttention-2, cuDNN) as YAML rows (validation/data/h200_pytorch_kernels.yaml holds one run).
Medians of CUDA-event-timed calls after warm-up; no L2 flush (unlike the harness).
"""
import statistics, torch
def bench(fn, reps=20, warm=5):
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ts.append(s.elapsed_time(e) / 1e3)
    return statistics.median(ts)
print("torch", torch.__version__, torch.cuda.get_device_name(0), "cublas", torch.backends.cuda.preferred_blas_library())
shapes = [(8192, 8192, 8192), (4096, 4096, 4096), (8192, 6144, 4096), (8192, 4096, 14336),
          (96, 4096, 7168), (24, 7168, 2048), (6144, 6144, 6144), (1024, 1024, 1024)]
for name, dt, tf32 in [("bf16", torch.bfloat16, False), ("fp16", torch.float16, False),
                       ("tf32", torch.float32, True), ("fp32", torch.float32, False)]:
    torch.backends.cuda.matmul.allow_tf32 = tf32
    for (m, n, k) in shapes:
        a = torch.rand(m, k, device="cuda", dtype=dt) * 2 - 1
        b = torch.rand(k, n, device="cuda", dtype=dt) * 2 - 1
        t = bench(lambda: a @ b)
        print(f"gemm {name} m={m} n={n} k={k}: {t*1e6:.2f} us, {2*m*n*k/t/1e12:.1f} TFLOP/s")
for gib in [0.25, 1, 4]:
    n = int(gib * 2**30)
    x = torch.empty(n, dtype=torch.uint8, device="cuda"); y = torch.empty_like(x)
    t = bench(lambda: y.copy_(x))
    print(f"copy {gib} GiB: {t*1e6:.1f} us, {2*n/t/1e12:.3f} TB/s (reads+writes)")
# Attention through PyTorch's scaled_dot_product_attention (a fused FlashAttention-class kernel).
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
print("attention: [batch, heads, seq, head_dim, causal, backend, fwd_us, fwd_bwd_us]")
for (b, h, s, d) in [(1, 32, 8192, 128), (1, 32, 4096, 128), (1, 8, 8192, 128), (4, 32, 2048, 128),
                     (1, 16, 16384, 128), (2, 64, 4096, 128), (1, 128, 4096, 192)]:
    for causal in (True, False):
        for backend in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION):
            try:
                with sdpa_kernel([backend]):
                    q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16,
                                           requires_grad=True) for _ in range(3))
                    g = torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16)
                    fwd = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal), reps=10)
                    def step():
                        o = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                        o.backward(g)
                    both = bench(step, reps=10)
                print(f"  - [{b}, {h}, {s}, {d}, {str(causal).lower()}, {backend.name.lower()}, {fwd*1e6:.2f}, {both*1e6:.2f}]")
            except Exception as e:
                print(f"  # {b} {h} {s} {d} {causal} {backend.name}: {type(e).__name__}: {str(e)[:120]}")
