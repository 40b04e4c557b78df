// Single-precision GEMM for wasm32 with SIMD128: C = op(A)·op(B) + beta·C, row-major.
// GotoBLAS blocking (Goto & van de Geijn, "Anatomy of high-performance matrix multiplication",
// ACM TOMS 34(3), 2008): B is packed in KC×NR strips, A in MC×KC blocks of MR-row strips, and a
// MR×NR register tile accumulates in k order, so every element of C is the same sum whatever
// split of C between threads the caller makes.
// Uses no shadow stack and no data segment: several instances share one memory safely.
#include <wasm_simd128.h>

// x·y + acc by f32x4.relaxed_madd (fused where the CPU has FMA: +20 % here). clang 14 knows it
// only by its prototype name f32x4.fma and opcode 0xaf; build.ts rewrites that opcode to the
// standard 0x105, whose operands (x, y, acc) mean x·y + acc.
#define MADD(x, y, acc) __builtin_wasm_fma_f32x4(x, y, acc)

// 4×8 measured fastest under V8 (larger tiles spill: V8 allocates at most 16 xmm registers).
#define MR 4
#define NR 8
#define KC 256
#define MC 128
// KC×NC floats of packed B (512 KiB) stay in a 1 MiB L2 cache with the packed A block.
#define NC 512

// Stores the transpose of the 4×4 block with rows r0..r3 as 4 vectors, `stride` floats apart.
static void store_transposed(v128_t r0, v128_t r1, v128_t r2, v128_t r3, float *out, int stride) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(out, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
  wasm_v128_store(out + stride, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
  wasm_v128_store(out + 2 * stride, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
  wasm_v128_store(out + 3 * stride, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

// Packs rows [i0, i0+mc) and depth [p0, p0+kc) of op(A) into MR-row strips, zero-padded.
static void pack_a(int trans, const float *a, int lda, int i0, int p0, int mc, int kc,
                   float *out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
    int p = 0;
    if (rows == MR && trans) {
      for (; p < kc; p++, out += MR) {
        wasm_v128_store(out, wasm_v128_load(a + (p0 + p) * lda + i0 + ir));
      }
    } else if (rows == MR) {
      const float *row = a + (i0 + ir) * lda + p0;
      for (; p + 4 <= kc; p += 4, out += 4 * MR) {
        store_transposed(wasm_v128_load(row + p), wasm_v128_load(row + lda + p),
                         wasm_v128_load(row + 2 * lda + p), wasm_v128_load(row + 3 * lda + p), out,
                         MR);
      }
    }
    for (; p < kc; p++, out += MR) {
      for (int r = 0; r < MR; r++) {
        int i = i0 + ir + r, k = p0 + p;
        out[r] = r < rows ? (trans ? a[k * lda + i] : a[i * lda + k]) : 0.0f;
      }
    }
  }
}

// Packs depth [p0, p0+kc) and columns [j0, j0+nc) of op(B) into NR-column strips, zero-padded.
static void pack_b(int trans, const float *b, int ldb, int p0, int j0, int kc, int nc,
                   float *out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? nc - jr : NR;
    int p = 0;
    if (cols == NR && !trans) {
      for (; p < kc; p++, out += NR) {
        const float *row = b + (p0 + p) * ldb + j0 + jr;
        for (int v = 0; v < NR; v += 4) wasm_v128_store(out + v, wasm_v128_load(row + v));
      }
    } else if (cols == NR) {
      const float *col = b + (j0 + jr) * ldb + p0;
      for (; p + 4 <= kc; p += 4, out += 4 * NR) {
        for (int v = 0; v < NR; v += 4) {
          const float *c = col + v * ldb + p;
          store_transposed(wasm_v128_load(c), wasm_v128_load(c + ldb), wasm_v128_load(c + 2 * ldb),
                           wasm_v128_load(c + 3 * ldb), out + v, NR);
        }
      }
    }
    for (; p < kc; p++, out += NR) {
      for (int c = 0; c < NR; c++) {
        int j = j0 + jr + c, k = p0 + p;
        out[c] = c < cols ? (trans ? b[j * ldb + k] : b[k * ldb + j]) : 0.0f;
      }
    }
  }
}

// tile[MR×NR] = packed A strip · packed B strip over kc.
static void micro_kernel(int kc, const float *a, const float *b, float *tile) {
  v128_t acc[MR][NR / 4];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NR / 4; v++) acc[r][v] = wasm_f32x4_splat(0);
  for (int p = 0; p < kc; p++) {
    v128_t bv[NR / 4];
#pragma clang loop unroll(full)
    for (int v = 0; v < NR / 4; v++) bv[v] = wasm_v128_load(b + 4 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      v128_t ar = wasm_v128_load32_splat(a + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < NR / 4; v++) acc[r][v] = MADD(ar, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NR / 4; v++) wasm_v128_store(tile + r * NR + 4 * v, acc[r][v]);
}

// C[rows×cols] (stride ldc) = tile (first = the first depth block: overwrite, or scale by beta).
static void store_tile(const float *tile, float *c, int ldc, int rows, int cols, int first,
                       float beta) {
  for (int r = 0; r < rows; r++) {
    float *row = c + r * ldc;
    const float *t = tile + r * NR;
    if (cols == NR && !(first && beta != 0.0f)) {
      for (int v = 0; v < NR; v += 4) {
        v128_t tv = wasm_v128_load(t + v);
        wasm_v128_store(row + v, first ? tv : wasm_f32x4_add(wasm_v128_load(row + v), tv));
      }
    } else {
      for (int j = 0; j < cols; j++) {
        row[j] = first ? (beta == 0.0f ? t[j] : beta * row[j] + t[j]) : row[j] + t[j];
      }
    }
  }
}

// Scratch needed by sgemm, in floats: packed A block, packed B block, one tile.
int sgemm_scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }

// C (m×n, stride ldc) = op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n.
// scratch holds sgemm_scratch_floats() floats, 16-byte aligned.
void sgemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
           const float *b, int ldb, float beta, float *c, int ldc, float *scratch) {
  float *packed_a = scratch;
  float *packed_b = scratch + MC * KC;
  float *tile = packed_b + KC * NC;
  if (k == 0) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  for (int p0 = 0; p0 < k; p0 += KC) {
    int kc = k - p0 < KC ? k - p0 : KC;
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = n - j0 < NC ? n - j0 : NC;
      pack_b(trans_b, b, ldb, p0, j0, kc, nc, packed_b);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = m - i0 < MC ? m - i0 : MC;
        pack_a(trans_a, a, lda, i0, p0, mc, kc, packed_a);
        for (int jr = 0; jr < nc; jr += NR) {
          int cols = nc - jr < NR ? nc - jr : NR;
          const float *bs = packed_b + jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, packed_a + ir * kc, bs, tile);
            store_tile(tile, c + (i0 + ir) * ldc + j0 + jr, ldc, rows, cols, p0 == 0, beta);
          }
        }
      }
    }
  }
}
