#pragma once
/**
 * The shape-aware roofline: the time of one GEMM or attention kernel on a device from its shape,
 * without a calibration file.
 *
 * GEMM C (m x n) = A (m x k) B (k x n), `count` problems in one kernel, on a device of S SMs
 * whose kernels compute output tiles of Tm x Tn (one tile per SM at a time):
 *
 *     tiles = ceil(m / Tm) ceil(n / Tn) count,   waves = ceil(tiles / S)
 *     t_math = waves S (2 Tm Tn k) / (peak[dtype] compute_efficiency)
 *     t_mem  = e (m k + k n + m n) count / (hbm_bw memory_efficiency)
 *     t      = max(t_math, t_mem)
 *
 * with e the bytes of one element of the dtype. Tile quantisation (a partial tile costs a whole
 * one: small m or n lose) and wave quantisation (a partial last wave costs a whole one) are
 * NVIDIA's; small k loses through t_mem (the output is written whatever k is: low arithmetic
 * intensity). Without SMs or a tile (a CPU) there is no quantisation: t_math = 2 m n k count /
 * (peak compute_efficiency).
 *
 * Attention (a FlashAttention-class fused kernel): its products' FLOPs F (attention_gemms, half
 * when causal) on tiles of Tq query rows per head, tiles = batch_heads ceil(seq_q / Tq):
 *
 *     t_math = F (waves S / tiles) / (peak[dtype] attention_efficiency)
 *     t_mem  = e batch_heads (2 seq_q + 2 seq_kv) head_dim x (1 forward, 2 backward)
 *              / (hbm_bw memory_efficiency)        (Q, K, V, O read or written once; backward
 *                                                   also dO, dQ, dK, dV)
 *
 * The launch overhead is not included: the caller adds one per kernel.
 *
 * Units: seconds; sizes in elements. Errors: none (the caller checks the dtype has a peak).
 * Source: NVIDIA, "Matrix Multiplication Background User's Guide" (DU-09799-001, 2023),
 * Sec. 2 (math and memory bounds, arithmetic intensity), Sec. 3.1 (tile quantization), Sec. 3.2
 * (wave quantization); T. Dao, "FlashAttention-2" (arXiv 2307.08691) for the kernel's tiling
 * over query blocks and its I/O of Q, K, V and O.
 *
 *     double s = gemm_kernel_seconds(a100, 312e12, 2, {.m = 4096, .n = 4096, .k = 4096});
 */
#include <string_view>

#include "models/compute/device_spec.h"
#include "simcore/kernel_shape.h"

namespace dtsim::compute {

/** Bytes per element: fp64 8; fp32, tf32 4; bf16, fp16 2; fp8, int8 1; 0 for another name. */
double dtype_bytes(std::string_view dtype);
/** One GEMM kernel (see above); `peak` is the dtype's peak FLOP/s, `elt` its bytes. */
double gemm_kernel_seconds(const DeviceSpec& d, double peak, double elt,
                           const simcore::GemmShape& g);
/** One attention kernel (see above). */
double attention_kernel_seconds(const DeviceSpec& d, double peak, double elt,
                                const simcore::AttentionShape& a);

}  // namespace dtsim::compute
