// sgemm: the GotoBLAS/BLIS scheme. Loops, outermost first: NC columns of C, KC of the sum
// (op(B) block packed), MC rows (op(A) block packed), then MR x NR register tiles, row of tiles
// by row of tiles, each one call of the micro-kernel. Packed panels are zero-padded to whole
// tiles; a tile that sticks out of C is computed into a local buffer and only its valid part is
// written back.
// Reference: Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS
// 34(3), 2008; Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015.
#include "kernels/gemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/sgd_update.hpp"
#include "runtime/thread_pool.hpp"

#if defined(__x86_64__) || defined(__i386__)
#define BP_GEMM_X86 1
#include <immintrin.h>
#else
#define BP_GEMM_X86 0
#endif

namespace bp::kernels {

namespace {

// Cache blocking, in elements. The kernel runs along a row of tiles (jr innermost), so the
// MR x KC micro-panel of packed op(A) (12 KB for AVX-512) stays in L1 (48 KB) while KC x NR
// micro-panels of op(B) stream from the KC x NC block, which stays in L2 (2 MB; 256 x 1024 x 4 B
// = 1 MB at most, 800 KB for the largest W2 product). Measured on the W2 shapes
// (bench/bench_gemm.cpp): KC 192, 256 and 384 are within noise of each other.
constexpr std::size_t kKC = 256;
constexpr std::size_t kMC = 144;   // a multiple of every MR (12, 6, 4)
constexpr std::size_t kNC = 1024;  // a multiple of every NR (32, 16, 8)

// A product is split across threads only in parts of at least this many multiply-adds (about
// 3 us of work at 1 thread; handing a part to a spinning pool worker costs well under 1 us).
constexpr std::size_t kMinWorkPerThread = std::size_t{1} << 18;

// Micro-kernel: acc(MR, NR) = sum over k < kc of a[k*MR + i] * b[k*NR + j] (packed panels), then
// c[i*ldc + j] = alpha*acc + beta*c (c not read when beta == 0), or, when bias is given (only
// with beta == 0), c[i*ldc + j] = alpha*acc + bias[j] in one rounding. a, b 64-byte aligned.
using MicroKernel = void (*)(std::size_t kc, const float* a, const float* b, float* c,
                             std::size_t ldc, float alpha, float beta, const float* bias);

// ---- portable micro-kernel (4 x 8; the compiler vectorises it with what the baseline allows) --
constexpr std::size_t kGenericMR = 4, kGenericNR = 8;

void micro_generic(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                   float alpha, float beta, const float* bias) {
  float acc[kGenericMR][kGenericNR] = {};
  for (std::size_t k = 0; k < kc; ++k) {
    const float* a_k = a + k * kGenericMR;
    const float* b_k = b + k * kGenericNR;
    for (std::size_t i = 0; i < kGenericMR; ++i)
      for (std::size_t j = 0; j < kGenericNR; ++j) acc[i][j] += a_k[i] * b_k[j];
  }
  for (std::size_t i = 0; i < kGenericMR; ++i) {
    float* c_i = c + i * ldc;
    for (std::size_t j = 0; j < kGenericNR; ++j)
      c_i[j] = bias          ? alpha * acc[i][j] + bias[j]
               : beta == 0.0f ? alpha * acc[i][j]
                              : alpha * acc[i][j] + beta * c_i[j];
  }
}

#if BP_GEMM_X86
// ---- AVX-512 micro-kernel: 12 rows x 32 columns = 24 zmm accumulators ------------------------
// Per k: 2 loads of b, 12 broadcasts of a, 24 FMAs (the two FMA ports busy for 12 cycles).
constexpr std::size_t kAvx512MR = 12, kAvx512NR = 32;

__attribute__((target("avx512f,avx512vl"))) void micro_avx512(std::size_t kc, const float* a,
                                                               const float* b, float* c,
                                                               std::size_t ldc, float alpha,
                                                               float beta, const float* bias) {
  __m512 acc0[kAvx512MR], acc1[kAvx512MR];
#pragma GCC unroll 12
  for (std::size_t i = 0; i < kAvx512MR; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (std::size_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kAvx512MR; ++i) {
      const __m512 a_i = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(a_i, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(a_i, b1, acc1[i]);
    }
    a += kAvx512MR;
    b += kAvx512NR;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  if (bias) {
    const __m512 bias0 = _mm512_loadu_ps(bias), bias1 = _mm512_loadu_ps(bias + 16);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kAvx512MR; ++i) {
      _mm512_storeu_ps(c + i * ldc, _mm512_fmadd_ps(va, acc0[i], bias0));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_fmadd_ps(va, acc1[i], bias1));
    }
  } else if (beta == 0.0f) {
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kAvx512MR; ++i) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc0[i]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc1[i]));
    }
  } else if (beta == 1.0f) {
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kAvx512MR; ++i) {
      float* c_i = c + i * ldc;
      _mm512_storeu_ps(c_i, _mm512_fmadd_ps(va, acc0[i], _mm512_loadu_ps(c_i)));
      _mm512_storeu_ps(c_i + 16, _mm512_fmadd_ps(va, acc1[i], _mm512_loadu_ps(c_i + 16)));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kAvx512MR; ++i) {
      float* c_i = c + i * ldc;
      _mm512_storeu_ps(c_i, _mm512_fmadd_ps(va, acc0[i], _mm512_mul_ps(vb, _mm512_loadu_ps(c_i))));
      _mm512_storeu_ps(c_i + 16,
                       _mm512_fmadd_ps(va, acc1[i], _mm512_mul_ps(vb, _mm512_loadu_ps(c_i + 16))));
    }
  }
}

// pack_lines (below) for AVX-512: 16 lines x 16 k at a time, transposed in registers
// (4 rounds of 16 shuffles) instead of 256 scalar stores W floats apart.
// GCC 12's unpack intrinsics start from _mm512_undefined_ps() and trip -Wmaybe-uninitialized
// once inlined (GCC bug 105593, fixed in GCC 13); the warning is false here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512vl"))) inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {  // pairs of rows interleaved
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // r[i + m], lane l: column 4l + m of rows i..i+3
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
  }
  for (int h = 0; h < 16; h += 8)  // 128-bit lanes 0, 2 / 1, 3 of row groups (h, h + 4)
    for (int m = 0; m < 4; ++m) {
      t[h + m] = _mm512_shuffle_f32x4(r[h + m], r[h + 4 + m], 0x88);
      t[h + 4 + m] = _mm512_shuffle_f32x4(r[h + m], r[h + 4 + m], 0xdd);
    }
  for (int m = 0; m < 8; ++m) {  // r[j] = column j
    r[m] = _mm512_shuffle_f32x4(t[m], t[8 + m], 0x88);
    r[8 + m] = _mm512_shuffle_f32x4(t[m], t[8 + m], 0xdd);
  }
}

template <std::size_t W>
__attribute__((target("avx512f,avx512vl"))) void pack_lines_avx512(const float* src,
                                                                    std::size_t ld,
                                                                    std::size_t valid,
                                                                    std::size_t kc, float* dst) {
  const std::size_t k16 = kc / 16 * 16;
  for (std::size_t r0 = 0; r0 < W; r0 += 16) {
    const std::size_t lines = valid > r0 ? std::min<std::size_t>(16, valid - r0) : 0;
    const std::size_t width = std::min<std::size_t>(16, W - r0);
    const __mmask16 store_mask = static_cast<__mmask16>((1u << width) - 1u);
    for (std::size_t k0 = 0; k0 < k16; k0 += 16) {
      __m512 r[16];
      for (std::size_t l = 0; l < 16; ++l)
        r[l] = l < lines ? _mm512_loadu_ps(src + (r0 + l) * ld + k0) : _mm512_setzero_ps();
      transpose16(r);
      for (std::size_t k = 0; k < 16; ++k)
        _mm512_mask_storeu_ps(dst + (k0 + k) * W + r0, store_mask, r[k]);
    }
  }
  for (std::size_t k = k16; k < kc; ++k)
    for (std::size_t r = 0; r < W; ++r) dst[k * W + r] = r < valid ? src[r * ld + k] : 0.0f;
}
#pragma GCC diagnostic pop

// write_edge (below) for AVX-512: 16 columns at a time, masked at the tile's edge. The same
// operations per element: fma(alpha, acc, bias) with the bias (one rounding, as std::fma), else
// t = alpha * acc and, when beta != 0, t + beta * c.
__attribute__((target("avx512f,avx512vl"))) void write_edge_avx512(
    const float* tile, std::size_t nr_full, std::size_t mr, std::size_t nr, float* c,
    std::size_t ldc, float alpha, float beta, const float* bias) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (std::size_t i = 0; i < mr; ++i)
    for (std::size_t j = 0; j < nr; j += 16) {
      const __mmask16 m = nr - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (nr - j)) - 1);
      const __m512 acc = _mm512_maskz_loadu_ps(m, tile + i * nr_full + j);
      __m512 out;
      if (bias) {
        out = _mm512_fmadd_ps(va, acc, _mm512_maskz_loadu_ps(m, bias + j));
      } else {
        out = _mm512_mul_ps(va, acc);
        if (beta != 0.0f)
          out = _mm512_add_ps(out, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m, c + i * ldc + j)));
      }
      _mm512_mask_storeu_ps(c + i * ldc + j, m, out);
    }
}

// ---- AVX2 + FMA micro-kernel: 6 rows x 16 columns = 12 ymm accumulators ----------------------
constexpr std::size_t kAvx2MR = 6, kAvx2NR = 16;

__attribute__((target("avx2,fma"))) void micro_avx2(std::size_t kc, const float* a, const float* b,
                                                    float* c, std::size_t ldc, float alpha,
                                                    float beta, const float* bias) {
  __m256 acc0[kAvx2MR], acc1[kAvx2MR];
#pragma GCC unroll 6
  for (std::size_t i = 0; i < kAvx2MR; ++i) {
    acc0[i] = _mm256_setzero_ps();
    acc1[i] = _mm256_setzero_ps();
  }
  for (std::size_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (std::size_t i = 0; i < kAvx2MR; ++i) {
      const __m256 a_i = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(a_i, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(a_i, b1, acc1[i]);
    }
    a += kAvx2MR;
    b += kAvx2NR;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (std::size_t i = 0; i < kAvx2MR; ++i) {
    float* c_i = c + i * ldc;
    if (bias) {
      _mm256_storeu_ps(c_i, _mm256_fmadd_ps(va, acc0[i], _mm256_loadu_ps(bias)));
      _mm256_storeu_ps(c_i + 8, _mm256_fmadd_ps(va, acc1[i], _mm256_loadu_ps(bias + 8)));
    } else if (beta == 0.0f) {
      _mm256_storeu_ps(c_i, _mm256_mul_ps(va, acc0[i]));
      _mm256_storeu_ps(c_i + 8, _mm256_mul_ps(va, acc1[i]));
    } else {
      _mm256_storeu_ps(c_i, _mm256_fmadd_ps(va, acc0[i], _mm256_mul_ps(vb, _mm256_loadu_ps(c_i))));
      _mm256_storeu_ps(c_i + 8,
                       _mm256_fmadd_ps(va, acc1[i], _mm256_mul_ps(vb, _mm256_loadu_ps(c_i + 8))));
    }
  }
}
#endif  // BP_GEMM_X86

// ---- packing ----------------------------------------------------------------------------------
// Both write a panel of kc steps, W floats per step: dst[k*W + r] for r < W, zero for r >= valid.

// Source lines run along k: line r is src[r*ld + k] (op(A) from an untransposed A, op(B) from a
// transposed B).
template <std::size_t W>
void pack_lines(const float* src, std::size_t ld, std::size_t valid, std::size_t kc, float* dst) {
  if (valid < W)
    for (std::size_t k = 0; k < kc; ++k)
      for (std::size_t r = valid; r < W; ++r) dst[k * W + r] = 0.0f;
  // Four k at a time keeps W*4 destination lines in flight without walking the source twice.
  std::size_t k = 0;
  for (; k + 4 <= kc; k += 4)
    for (std::size_t r = 0; r < valid; ++r) {
      const float* s = src + r * ld + k;
      float* d = dst + k * W + r;
      d[0] = s[0];
      d[W] = s[1];
      d[2 * W] = s[2];
      d[3 * W] = s[3];
    }
  for (; k < kc; ++k)
    for (std::size_t r = 0; r < valid; ++r) dst[k * W + r] = src[r * ld + k];
}

// Source runs across k: step k is src[k*ld + r], contiguous in r (op(A) from a transposed A,
// op(B) from an untransposed B).
template <std::size_t W>
void pack_steps(const float* src, std::size_t ld, std::size_t valid, std::size_t kc, float* dst) {
  for (std::size_t k = 0; k < kc; ++k) {
    const float* s = src + k * ld;
    float* d = dst + k * W;
    if (valid == W) {
      for (std::size_t r = 0; r < W; ++r) d[r] = s[r];
    } else {
      for (std::size_t r = 0; r < valid; ++r) d[r] = s[r];
      for (std::size_t r = valid; r < W; ++r) d[r] = 0.0f;
    }
  }
}

using PackFn = void (*)(const float* src, std::size_t ld, std::size_t valid, std::size_t kc,
                       float* dst);
// What gemm_blocked needs of an instruction set: its micro-kernel and its pack_lines for
// panels of op(A) (W = MR) and of op(B) (W = NR).
using EdgeFn = void (*)(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t,
                        float, float, const float*);
struct KernelSet {
  MicroKernel micro;
  PackFn pack_a_lines, pack_b_lines;
  EdgeFn write_edge;
};

// One thread's packing buffers: grown on demand, never shrunk, 64-byte aligned.
struct Workspace {
  std::vector<float> a, b;
  static float* get(std::vector<float>& v, std::size_t n) {
    if (v.size() < n + 16) v.resize(n + 16);
    const auto p = reinterpret_cast<std::uintptr_t>(v.data());
    return v.data() + ((64 - p % 64) % 64) / sizeof(float);
  }
};
thread_local Workspace tls_workspace;

// sgemm_sgd's update: w and v (M, N) with row stride ldw, laid out like C.
struct SgdEpilogue {
  float* w;
  float* v;  // nullptr without momentum
  std::size_t ldw;
  bool first;
  SgdRule<float> rule;
};

struct Problem {
  bool trans_a, trans_b;
  std::size_t M, N, K;
  float alpha;
  const float* A;
  std::size_t lda;
  const float* B;
  std::size_t ldb;
  float beta;
  float* C;
  std::size_t ldc;
  const float* bias;  // (N) or nullptr; only with beta == 0 (sgemm_with arranges that)
  const SgdEpilogue* sgd = nullptr;  // sgemm_sgd: the update applied instead of the last store
};

// C = alpha*tile + beta*C (or + bias[j]) for the valid mr x nr corner of a computed tile. The
// bias is added with one rounding, as the micro-kernels' FMA does.
void write_edge(const float* tile, std::size_t nr_full, std::size_t mr, std::size_t nr, float* c,
                std::size_t ldc, float alpha, float beta, const float* bias) {
  for (std::size_t i = 0; i < mr; ++i)
    for (std::size_t j = 0; j < nr; ++j) {
      const float acc = tile[i * nr_full + j];
      if (bias) {
        c[i * ldc + j] = std::fma(alpha, acc, bias[j]);
        continue;
      }
      const float t = alpha * acc;
      c[i * ldc + j] = beta == 0.0f ? t : t + beta * c[i * ldc + j];
    }
}

// sgemm_sgd's tile at (i0, j0) of C, mr x nr valid: the product of this K block into `tile`
// (alpha = 1, beta = 0), then g = alpha * acc + (first block ? +0 : C) as sgemm with beta = 1
// on a zeroed C would store it (alpha is 1 here, so alpha * acc is exact); on the last K block g
// goes straight into the SGD update of w and v, otherwise it is stored into C for the next block.
void sgd_tile(const Problem& p, std::size_t kc, std::size_t pc, const float* a, const float* b,
              float* tile, std::size_t NR, MicroKernel micro, std::size_t i0, std::size_t j0,
              std::size_t mr, std::size_t nr) {
  const SgdEpilogue& e = *p.sgd;
  float* c = p.C + i0 * p.ldc + j0;
  const bool last = pc + kc == p.K;
  if (last)  // w and v are read only after the sum: start fetching them now, every line
    for (std::size_t i = 0; i < mr; ++i) {
      const float* w_i = e.w + (i0 + i) * e.ldw + j0;
      const float* v_i = e.v ? e.v + (i0 + i) * e.ldw + j0 : nullptr;
      for (std::size_t j = 0; j < nr; j += 16) {
        __builtin_prefetch(w_i + j, 1);
        if (v_i) __builtin_prefetch(v_i + j, 1);
      }
      __builtin_prefetch(w_i + nr - 1, 1);
      if (v_i) __builtin_prefetch(v_i + nr - 1, 1);
    }
  micro(kc, a, b, tile, NR, 1.0f, 0.0f, nullptr);
  if (last) {
    sgd_update_block(tile, NR, pc == 0 ? nullptr : c, p.ldc, mr, nr, e.w + i0 * e.ldw + j0,
                     e.v ? e.v + i0 * e.ldw + j0 : nullptr, e.ldw, e.first, e.rule);
    return;
  }
  for (std::size_t i = 0; i < mr; ++i)
    for (std::size_t j = 0; j < nr; ++j)
      c[i * p.ldc + j] = tile[i * NR + j] + (pc == 0 ? 0.0f : c[i * p.ldc + j]);
}

// The blocked product on the rows [m0, m1) and columns [n0, n1) of C. Requires K > 0.
template <std::size_t MR, std::size_t NR>
void gemm_blocked(const Problem& p, const KernelSet& ks, std::size_t m0, std::size_t m1,
                  std::size_t n0, std::size_t n1) {
  static_assert(kMC % MR == 0 && kNC % NR == 0, "blocks must hold whole tiles");
  Workspace& ws = tls_workspace;
  const std::size_t kc_max = std::min(kKC, p.K);
  float* a_pack = Workspace::get(ws.a, std::min(kMC, (m1 - m0 + MR - 1) / MR * MR) * kc_max);
  float* b_pack = Workspace::get(ws.b, std::min(kNC, (n1 - n0 + NR - 1) / NR * NR) * kc_max);
  alignas(64) float tile[MR * NR];

  for (std::size_t jc = n0; jc < n1; jc += kNC) {
    const std::size_t nc = std::min(kNC, n1 - jc);
    for (std::size_t pc = 0; pc < p.K; pc += kKC) {
      const std::size_t kc = std::min(kKC, p.K - pc);
      const float beta = pc == 0 ? p.beta : 1.0f;
      const float* bias = pc == 0 ? p.bias : nullptr;
      for (std::size_t jr = 0; jr < nc; jr += NR) {  // op(B)(pc.., jc+jr..)
        const std::size_t nr = std::min(NR, nc - jr);
        float* dst = b_pack + jr * kc;
        if (p.trans_b)
          ks.pack_b_lines(p.B + (jc + jr) * p.ldb + pc, p.ldb, nr, kc, dst);
        else
          pack_steps<NR>(p.B + pc * p.ldb + jc + jr, p.ldb, nr, kc, dst);
      }
      for (std::size_t ic = m0; ic < m1; ic += kMC) {
        const std::size_t mc = std::min(kMC, m1 - ic);
        for (std::size_t ir = 0; ir < mc; ir += MR) {  // op(A)(ic+ir.., pc..)
          const std::size_t mr = std::min(MR, mc - ir);
          float* dst = a_pack + ir * kc;
          if (p.trans_a)
            pack_steps<MR>(p.A + pc * p.lda + ic + ir, p.lda, mr, kc, dst);
          else
            ks.pack_a_lines(p.A + (ic + ir) * p.lda + pc, p.lda, mr, kc, dst);
        }
        for (std::size_t ir = 0; ir < mc; ir += MR) {
          const std::size_t mr = std::min(MR, mc - ir);
          for (std::size_t jr = 0; jr < nc; jr += NR) {
            const std::size_t nr = std::min(NR, nc - jr);
            float* c = p.C + (ic + ir) * p.ldc + jc + jr;
            if (p.sgd) {
              sgd_tile(p, kc, pc, a_pack + ir * kc, b_pack + jr * kc, tile, NR, ks.micro,
                       ic + ir, jc + jr, mr, nr);
            } else if (mr == MR && nr == NR) {
              // C's tile is read only after the sum: start fetching it now. (Inside the kernel
              // the addresses would stay live across the k loop and take vector registers.)
              for (std::size_t i = 0; i < MR; ++i) {
                __builtin_prefetch(c + i * p.ldc);
                __builtin_prefetch(c + i * p.ldc + NR - 1);
              }
              ks.micro(kc, a_pack + ir * kc, b_pack + jr * kc, c, p.ldc, p.alpha, beta,
                       bias ? bias + jc + jr : nullptr);
            } else {
              ks.micro(kc, a_pack + ir * kc, b_pack + jr * kc, tile, NR, 1.0f, 0.0f, nullptr);
              ks.write_edge(tile, NR, mr, nr, c, p.ldc, p.alpha, beta,
                            bias ? bias + jc + jr : nullptr);
            }
          }
        }
      }
    }
  }
}

// Splits C across the pool in whole tiles (so every element sees the same tiles and K blocks as
// with one thread: the result does not depend on the thread count) and runs gemm_blocked on each
// part; the calling thread takes part 0. Columns are split when there are enough column tiles
// (each part then packs all of op(A) and its own columns of op(B)), rows otherwise.
template <std::size_t MR, std::size_t NR>
void gemm_threaded(const Problem& p, const KernelSet& ks, std::size_t threads) {
  const std::size_t col_tiles = (p.N + NR - 1) / NR, row_tiles = (p.M + MR - 1) / MR;
  const std::size_t work_parts = std::max<std::size_t>(1, p.M * p.N * p.K / kMinWorkPerThread);
  const std::size_t parts = std::min({threads, work_parts, std::max(col_tiles, row_tiles)});
  if (parts <= 1) return gemm_blocked<MR, NR>(p, ks, 0, p.M, 0, p.N);
  const bool split_cols = col_tiles >= parts;
  detail::parallel_parts(parts, [&](std::size_t t) {
    if (split_cols) {
      const detail::Range r = detail::part_range(p.N, parts, t, NR);
      if (r.begin < r.end) gemm_blocked<MR, NR>(p, ks, 0, p.M, r.begin, r.end);
    } else {
      const detail::Range r = detail::part_range(p.M, parts, t, MR);
      if (r.begin < r.end) gemm_blocked<MR, NR>(p, ks, r.begin, r.end, 0, p.N);
    }
  });
}

// C = beta*C (C not read when beta == 0), plus the bias if any: the whole product when K == 0
// or alpha == 0.
void scale_c(const Problem& p) {
  for (std::size_t i = 0; i < p.M; ++i) {
    float* c_i = p.C + i * p.ldc;
    for (std::size_t j = 0; j < p.N; ++j) {
      const float c = p.beta == 0.0f ? 0.0f : p.beta * c_i[j];
      c_i[j] = p.bias ? c + p.bias[j] : c;
    }
  }
}

#if BP_GEMM_X86
bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return has;
}
bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

}  // namespace

bool gemm_isa_supported(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::kAuto:
    case GemmIsa::kGeneric:
      return true;
#if BP_GEMM_X86
    case GemmIsa::kAvx512:
      return cpu_has_avx512();
    case GemmIsa::kAvx2:
      return cpu_has_avx2();
#else
    case GemmIsa::kAvx512:
    case GemmIsa::kAvx2:
      return false;
#endif
  }
  return false;
}

GemmIsa gemm_isa_best() {
  if (gemm_isa_supported(GemmIsa::kAvx512)) return GemmIsa::kAvx512;
  if (gemm_isa_supported(GemmIsa::kAvx2)) return GemmIsa::kAvx2;
  return GemmIsa::kGeneric;
}

const char* gemm_isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::kAuto: return "auto";
    case GemmIsa::kAvx512: return "avx512";
    case GemmIsa::kAvx2: return "avx2";
    case GemmIsa::kGeneric: return "generic";
  }
  return "?";
}

namespace {

void run(GemmIsa isa, const Problem& p, std::size_t threads) {
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0 || p.alpha == 0.0f) return scale_c(p);
  if (isa == GemmIsa::kAuto) isa = gemm_isa_best();
  if (!gemm_isa_supported(isa)) isa = GemmIsa::kGeneric;
  threads = std::max<std::size_t>(1, threads);
  switch (isa) {
#if BP_GEMM_X86
    case GemmIsa::kAvx512:
      return gemm_threaded<kAvx512MR, kAvx512NR>(
          p, {micro_avx512, pack_lines_avx512<kAvx512MR>, pack_lines_avx512<kAvx512NR>, write_edge_avx512},
          threads);
    case GemmIsa::kAvx2:
      return gemm_threaded<kAvx2MR, kAvx2NR>(
          p, {micro_avx2, pack_lines<kAvx2MR>, pack_lines<kAvx2NR>, write_edge}, threads);
#endif
    default:
      return gemm_threaded<kGenericMR, kGenericNR>(
          p, {micro_generic, pack_lines<kGenericMR>, pack_lines<kGenericNR>, write_edge}, threads);
  }
}

}  // namespace

void sgemm_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                std::size_t K, float alpha, const float* A, std::size_t lda, const float* B,
                std::size_t ldb, float beta, float* C, std::size_t ldc, std::size_t threads) {
  run(isa, {trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr}, threads);
}

void sgemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
           const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
           std::size_t ldc, std::size_t threads) {
  sgemm_with(GemmIsa::kAuto, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
             threads);
}

void sgemm_bias_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                     std::size_t K, const float* A, std::size_t lda, const float* B,
                     std::size_t ldb, const float* bias, float* C, std::size_t ldc,
                     std::size_t threads) {
  run(isa, {trans_a, trans_b, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc, bias}, threads);
}

void sgemm_bias(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                const float* A, std::size_t lda, const float* B, std::size_t ldb,
                const float* bias, float* C, std::size_t ldc, std::size_t threads) {
  sgemm_bias_with(GemmIsa::kAuto, trans_a, trans_b, M, N, K, A, lda, B, ldb, bias, C, ldc,
                  threads);
}

void sgemm_sgd_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                    std::size_t K, const float* A, std::size_t lda, const float* B,
                    std::size_t ldb, float* C, std::size_t ldc, float* w, float* v,
                    std::size_t ldw, bool first, const SgdRule<float>& rule,
                    std::size_t threads) {
  if (M == 0 || N == 0) return;
  const SgdEpilogue e{w, v, ldw, first, rule};
  if (K == 0) {  // g = 0 everywhere
    for (std::size_t i = 0; i < M; ++i) {
      std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
      sgd_update_block(C + i * ldc, ldc, nullptr, ldc, 1, N, w + i * ldw, v ? v + i * ldw : nullptr,
                       ldw, first, rule);
    }
    return;
  }
  run(isa, {trans_a, trans_b, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, C, ldc, nullptr, &e}, threads);
}

void sgemm_sgd(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
               const float* A, std::size_t lda, const float* B, std::size_t ldb, float* C,
               std::size_t ldc, float* w, float* v, std::size_t ldw, bool first,
               const SgdRule<float>& rule, std::size_t threads) {
  sgemm_sgd_with(GemmIsa::kAuto, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, w, v, ldw,
                 first, rule, threads);
}

void sgemm_bias_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                    const float* A, std::size_t lda, const float* B, std::size_t ldb,
                    const float* bias, float* C, std::size_t ldc) {
  sgemm_ref(trans_a, trans_b, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) C[i * ldc + j] += bias[j];
}

void sgemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
               float alpha, const float* A, std::size_t lda, const float* B, std::size_t ldb,
               float beta, float* C, std::size_t ldc) {
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (std::size_t k = 0; k < K; ++k) {
        const float a_ik = trans_a ? A[k * lda + i] : A[i * lda + k];
        const float b_kj = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a_ik * b_kj;
      }
      float& c_ij = C[i * ldc + j];
      c_ij = beta == 0.0f ? alpha * acc : alpha * acc + beta * c_ij;
    }
}

}  // namespace bp::kernels
