// The PTX module of the toy GPU artifact (ToyGpuArtifact.h), written by hand for
// the tiny configuration: 4 heads, capacity 128, head dimension 16 (a sequence's
// cache is 8192 floats), 64 embedding columns, 50257 tokens. Arithmetic uses
// explicit rounding (add.rn, mul.rn), which the PTX compiler never fuses, so the
// host reference reproduces every bit.
#include "ToyGpuArtifact.h"

#include <string_view>

namespace gpt2c::test {
namespace {

constexpr std::string_view kHeader = R"(//
// Toy kernels of the GPU executor's tests (test/runtime/ToyGpuArtifact.h).
//
.version 7.8
.target sm_90
.address_size 64

)";

// toy_cache(params, ids, keys, values, scratch): one block per token (grid per
// rows); its first thread stores the id in the caches and the scratch.
constexpr std::string_view kCacheKernel = R"(.visible .entry toy_cache(
	.param .u64 toy_cache_params,
	.param .u64 toy_cache_ids,
	.param .u64 toy_cache_keys,
	.param .u64 toy_cache_values,
	.param .u64 toy_cache_scratch
)
{
	.reg .pred 	%p<2>;
	.reg .b32 	%r<12>;
	.reg .f32 	%f<3>;
	.reg .b64 	%rd<12>;

	mov.u32 	%r1, %tid.x;
	setp.ne.u32 	%p1, %r1, 0;
	@%p1 bra 	$L_cache_done;
	ld.param.u64 	%rd1, [toy_cache_params];
	cvta.to.global.u64 	%rd1, %rd1;
	ld.global.u32 	%r2, [%rd1+4];
	ld.global.u32 	%r3, [%rd1+8];
	mov.u32 	%r4, %ctaid.x;
	div.u32 	%r5, %r4, %r2;
	rem.u32 	%r6, %r4, %r2;
	add.u32 	%r7, %r3, %r6;
	ld.param.u64 	%rd2, [toy_cache_ids];
	cvta.to.global.u64 	%rd2, %rd2;
	mul.wide.u32 	%rd3, %r4, 4;
	add.u64 	%rd4, %rd2, %rd3;
	ld.global.u32 	%r8, [%rd4];
	cvt.rn.f32.u32 	%f1, %r8;
	mul.lo.u32 	%r9, %r5, 8192;
	mad.lo.u32 	%r10, %r7, 16, %r9;
	mul.wide.u32 	%rd5, %r10, 4;
	ld.param.u64 	%rd6, [toy_cache_keys];
	cvta.to.global.u64 	%rd6, %rd6;
	add.u64 	%rd7, %rd6, %rd5;
	st.global.f32 	[%rd7], %f1;
	ld.param.u64 	%rd8, [toy_cache_values];
	cvta.to.global.u64 	%rd8, %rd8;
	add.u64 	%rd9, %rd8, %rd5;
	mov.f32 	%f2, 0f3F800000;
	st.global.f32 	[%rd9], %f2;
	ld.param.u64 	%rd10, [toy_cache_scratch];
	cvta.to.global.u64 	%rd10, %rd10;
	add.u64 	%rd11, %rd10, %rd3;
	st.global.f32 	[%rd11], %f1;
$L_cache_done:
	ret;
}

)";

// toy_logits_NAME(params, wte, wpe, keys, values, scratch, logits): blockIdx.x is
// the output row, blockIdx.y * 256 + threadIdx.x the vocabulary column. ROW sets
// %r8 to the token's row in [B][T] and %r20 to the output row.
constexpr std::string_view kLogitsKernel = R"(.visible .entry toy_logits_NAME(
	.param .u64 toy_logits_NAME_params,
	.param .u64 toy_logits_NAME_wte,
	.param .u64 toy_logits_NAME_wpe,
	.param .u64 toy_logits_NAME_keys,
	.param .u64 toy_logits_NAME_values,
	.param .u64 toy_logits_NAME_scratch,
	.param .u64 toy_logits_NAME_logits
)
{
	.reg .pred 	%p<3>;
	.reg .b32 	%r<24>;
	.reg .f32 	%f<16>;
	.reg .b64 	%rd<24>;

	mov.u32 	%r1, %ctaid.y;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, %tid.x;
	mad.lo.u32 	%r4, %r1, %r2, %r3;
	setp.ge.u32 	%p1, %r4, 50257;
	@%p1 bra 	$L_NAME_done;
	ld.param.u64 	%rd1, [toy_logits_NAME_params];
	cvta.to.global.u64 	%rd1, %rd1;
	ld.global.u32 	%r5, [%rd1+4];
	ld.global.u32 	%r6, [%rd1+8];
	mov.u32 	%r7, %ctaid.x;
ROW	div.u32 	%r9, %r8, %r5;
	rem.u32 	%r10, %r8, %r5;
	add.u32 	%r11, %r6, %r10;
	ld.param.u64 	%rd2, [toy_logits_NAME_scratch];
	cvta.to.global.u64 	%rd2, %rd2;
	mul.wide.u32 	%rd3, %r8, 4;
	add.u64 	%rd4, %rd2, %rd3;
	ld.global.f32 	%f1, [%rd4];
	cvt.rzi.u32.f32 	%r12, %f1;
	ld.param.u64 	%rd5, [toy_logits_NAME_keys];
	cvta.to.global.u64 	%rd5, %rd5;
	ld.param.u64 	%rd6, [toy_logits_NAME_values];
	cvta.to.global.u64 	%rd6, %rd6;
	mul.lo.u32 	%r13, %r9, 8192;
	mul.wide.u32 	%rd7, %r13, 4;
	add.u64 	%rd8, %rd5, %rd7;
	add.u64 	%rd9, %rd6, %rd7;
	mov.f32 	%f2, 0f00000000;
	mov.f32 	%f3, 0f00000000;
	mov.u32 	%r14, 0;
$L_NAME_sum:
	ld.global.f32 	%f4, [%rd8];
	add.rn.f32 	%f2, %f2, %f4;
	ld.global.f32 	%f5, [%rd9];
	add.rn.f32 	%f3, %f3, %f5;
	add.u64 	%rd8, %rd8, 64;
	add.u64 	%rd9, %rd9, 64;
	add.u32 	%r14, %r14, 1;
	setp.le.u32 	%p2, %r14, %r11;
	@%p2 bra 	$L_NAME_sum;
	and.b32 	%r15, %r4, 63;
	mad.lo.u32 	%r16, %r12, 64, %r15;
	ld.param.u64 	%rd10, [toy_logits_NAME_wte];
	cvta.to.global.u64 	%rd10, %rd10;
	mul.wide.u32 	%rd11, %r16, 4;
	add.u64 	%rd12, %rd10, %rd11;
	ld.global.f32 	%f6, [%rd12];
	mad.lo.u32 	%r17, %r11, 64, %r15;
	ld.param.u64 	%rd13, [toy_logits_NAME_wpe];
	cvta.to.global.u64 	%rd13, %rd13;
	mul.wide.u32 	%rd14, %r17, 4;
	add.u64 	%rd15, %rd13, %rd14;
	ld.global.f32 	%f7, [%rd15];
	add.rn.f32 	%f8, %f6, %f7;
	mul.rn.f32 	%f9, %f2, 0f35800000;
	add.rn.f32 	%f10, %f8, %f9;
	mul.rn.f32 	%f11, %f3, 0f39800000;
	add.rn.f32 	%f12, %f10, %f11;
	mul.wide.u32 	%rd16, %r20, 50257;
	cvt.u64.u32 	%rd17, %r4;
	add.u64 	%rd18, %rd16, %rd17;
	shl.b64 	%rd19, %rd18, 2;
	ld.param.u64 	%rd20, [toy_logits_NAME_logits];
	cvta.to.global.u64 	%rd20, %rd20;
	add.u64 	%rd21, %rd20, %rd19;
	st.global.f32 	[%rd21], %f12;
$L_NAME_done:
	ret;
}

)";

// "all": every token has its row. "last": block x is the sequence b, whose last
// token is row b * T + T - 1.
constexpr std::string_view kAllRows = "\tmov.u32 \t%r8, %r7;\n\tmov.u32 \t%r20, %r7;\n\t";
constexpr std::string_view kLastRow = "\tmad.lo.u32 \t%r8, %r7, %r5, %r5;\n"
                                      "\tsub.u32 \t%r8, %r8, 1;\n\tmov.u32 \t%r20, %r7;\n\t";

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string logitsKernel(std::string_view name, std::string_view rowCode) {
  std::string text(kLogitsKernel);
  text = replaceAll(text, "ROW\t", rowCode);
  return replaceAll(text, "NAME", name);
}

} // namespace

const std::string &toyPtx() {
  static const std::string text = std::string(kHeader) + std::string(kCacheKernel) +
                                  logitsKernel("last", kLastRow) + logitsKernel("all", kAllRows);
  return text;
}

} // namespace gpt2c::test
