// The candidates for bfloat16 products, side by side on one thread (issue 35): sgemm on weights
// widened to f32 (OpenBLAS SkylakeX), this project's AMX and AVX-512 BF16 kernels
// (Sources/CBFloat16; kernel alone, then with rounding A and packing B), and oneDNN's matmul
// (libdnnl-dev, bf16 x bf16 -> f32, A's rounding included). OpenBLAS 0.3.21 as Debian builds it has
// no cblas_sbgemm (`nm -D libopenblas.so.0 | grep sbgemm` is empty), so it is not a candidate.
// Not part of the build or the tests; run by hand:
//   apt-get install -y libdnnl-dev
//   g++ -O2 -march=native -ISources/CBFloat16/include -c scripts/bf16-candidates.cpp -o /tmp/c.o
//   clang -O2 -ISources/CBFloat16/include -c Sources/CBFloat16/bf16gemm.c -o /tmp/k.o
//   g++ /tmp/c.o /tmp/k.o -o /tmp/bf16-candidates -lopenblas -ldnnl
//   OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /tmp/bf16-candidates 1   # 0: B stored (K, N)
// Errors are the largest absolute difference from sgemm on A rounded to bf16.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <chrono>
#include <vector>
#include <cblas.h>
#include <dnnl.hpp>
extern "C" {
#include "CBFloat16.h"
}
using namespace std;
static double now(){return chrono::duration<double>(chrono::steady_clock::now().time_since_epoch()).count();}
static uint16_t rb(float x){uint32_t u;memcpy(&u,&x,4);return (u+0x7FFF+((u>>16)&1))>>16;}
static float wf(uint16_t b){uint32_t u=(uint32_t)b<<16;float f;memcpy(&f,&u,4);return f;}
template<class F> double best(F f,int reps=7){double b=1e9;for(int r=0;r<reps;r++){double t=now();f();b=min(b,now()-t);}return b;}
int main(int argc,char**argv){
  bf16_amx_request();
  long shapes[][3]={{512,576,576},{512,576,192},{512,576,1536},{512,1536,576},{512,576,49152},{512,1024,2048},{512,1024,3072},{512,3072,1024},{16,576,1536},{64,576,1536},{512,576,576}};
  int transB = argc>1 ? atoi(argv[1]) : 1;
  dnnl::engine eng(dnnl::engine::kind::cpu,0); dnnl::stream s(eng);
  for(auto&sh:shapes){ long M=sh[0],K=sh[1],N=sh[2];
    vector<float>A(M*K),Cr(M*N),C1(M*N),C2(M*N),C3(M*N),Bw(K*N),Ar(M*K);
    vector<uint16_t>B(K*N);
    for(auto&x:A)x=(rand()/(float)RAND_MAX-0.5f);
    for(auto&x:B)x=rb((rand()/(float)RAND_MAX-0.5f)*0.1f);
    for(long i=0;i<M*K;i++)Ar[i]=wf(rb(A[i]));
    long ldb = transB? K: N;
    // f32: widen B + sgemm
    double tf=best([&]{ for(long i=0;i<K*N;i++)Bw[i]=wf(B[i]); cblas_sgemm(CblasRowMajor,CblasNoTrans,transB?CblasTrans:CblasNoTrans,M,N,K,1,A.data(),K,Bw.data(),ldb,0,Cr.data(),N);});
    cblas_sgemm(CblasRowMajor,CblasNoTrans,transB?CblasTrans:CblasNoTrans,M,N,K,1,Ar.data(),K,Bw.data(),ldb,0,Cr.data(),N);
    long Kp=(K+31)/32*32, Mp=(M+31)/32*32;
    vector<uint16_t>Ap(Mp*Kp); uint16_t*Bp=(uint16_t*)aligned_alloc(64,bf16_packed_count(K,N)*2);
    double tpa=best([&]{bf16_round_a(A.data(),K,false,K,0,M,Ap.data());});
    double tpb=best([&]{bf16_pack_b(B.data(),ldb,transB,K,0,N,Bp);});
    double ta=best([&]{bf16_gemm_amx(M,N,K,Ap.data(),Bp,1,0,C1.data(),N);});
    double tv=best([&]{bf16_gemm_avx512(M,N,K,Ap.data(),Bp,1,0,C2.data(),N);});
    // oneDNN: src bf16 (M,K), weights bf16 (K,N) with tag per transB, dst f32
    using md=dnnl::memory::desc; using dt=dnnl::memory::data_type; using tg=dnnl::memory::format_tag;
    md sm({M,K},dt::bf16,tg::ab), wm({K,N},dt::bf16,transB?tg::ba:tg::ab), dm({M,N},dt::f32,tg::ab);
    dnnl::matmul::desc dsc(sm,wm,dm); dnnl::matmul::primitive_desc pd(dsc,eng);
    dnnl::matmul mm(pd);
    vector<uint16_t>Ab(M*K);
    dnnl::memory smem(sm,eng,Ab.data()), wmem(wm,eng,B.data()), dmem(dm,eng,C3.data());
    double td=best([&]{ for(long i=0;i<M*K;i++)Ab[i]=rb(A[i]); mm.execute(s,{{DNNL_ARG_SRC,smem},{DNNL_ARG_WEIGHTS,wmem},{DNNL_ARG_DST,dmem}}); s.wait();});
    double e1=0,e2=0,e3=0,mx=0; for(long i=0;i<M*N;i++){e1=max(e1,(double)fabs(C1[i]-Cr[i]));e2=max(e2,(double)fabs(C2[i]-Cr[i]));e3=max(e3,(double)fabs(C3[i]-Cr[i]));mx=max(mx,(double)fabs(Cr[i]));}
    double fl=2.0*M*N*K/1e9;
    printf("M%5ld K%5ld N%6ld tB%d | f32 widen+sgemm %7.1f GF/s | amx kern %7.1f, +packs %7.1f | avx512bf16 kern %6.1f +packs %6.1f | dnnl %7.1f (%s) | packA %.3f packB %.3f ms | err %.1e %.1e %.1e of %.1f\n",
      M,K,N,transB,fl/tf,fl/ta,fl/(ta+tpa+tpb),fl/tv,fl/(tv+tpa+tpb),fl/td,pd.impl_info_str(),tpa*1e3,tpb*1e3,e1,e2,e3,mx);
    free(Bp);
  }
}
