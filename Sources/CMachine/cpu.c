// cpuid: vendor, brand, family/model and the vector features the OS enables.
// Bit positions from Intel's Software Developer's Manual, vol. 2A, CPUID
// (leaf 1 ECX, leaf 7 EBX/EDX, leaf 7 subleaf 1 EAX) and vol. 1 §13 (XCR0).
#include "CMachine.h"

#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

void machine_cpu_probe(machine_cpu *cpu) {
    memset(cpu, 0, sizeof *cpu);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned maxLeaf = a;
    memcpy(cpu->vendor, &b, 4);
    memcpy(cpu->vendor + 4, &d, 4);
    memcpy(cpu->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    int family = (a >> 8) & 0xF, model = (a >> 4) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model += ((a >> 16) & 0xF) << 4;
    cpu->family = family;
    cpu->model = model;
    cpu->stepping = a & 0xF;
    bool osxsave = (c >> 27) & 1;
    unsigned long long state = osxsave ? xcr0() : 0;
    bool ymm = (state & 0x6) == 0x6;     // SSE and AVX state
    bool zmm = ymm && (state & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
    bool tiles = (state & 0x60000) == 0x60000; // XTILECFG, XTILEDATA
    cpu->sse3 = c & 1;
    cpu->fma = ymm && ((c >> 12) & 1);
    cpu->avx = ymm && ((c >> 28) & 1);

    if (maxLeaf >= 7) {
        __get_cpuid_count(7, 0, &a, &b, &c, &d);
        unsigned subleaves = a;
        cpu->avx2 = ymm && ((b >> 5) & 1);
        cpu->avx512f = zmm && ((b >> 16) & 1);
        cpu->avx512dq = zmm && ((b >> 17) & 1);
        cpu->avx512bw = zmm && ((b >> 30) & 1);
        cpu->avx512vl = zmm && ((b >> 31) & 1);
        cpu->amx = tiles && ((d >> 24) & 1);
        if (subleaves >= 1) {
            __get_cpuid_count(7, 1, &a, &b, &c, &d);
            cpu->avx512bf16 = zmm && ((a >> 5) & 1);
        }
    }

    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned words[12];
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, &words[4 * leaf], &words[4 * leaf + 1], &words[4 * leaf + 2],
                        &words[4 * leaf + 3]);
        memcpy(cpu->brand, words, 48);
        // Trim the padding some CPUs put around the name.
        char *start = cpu->brand;
        while (*start == ' ') start++;
        memmove(cpu->brand, start, strlen(start) + 1);
        for (size_t n = strlen(cpu->brand); n > 0 && cpu->brand[n - 1] == ' '; n--) cpu->brand[n - 1] = 0;
    }
}
#else
void machine_cpu_probe(machine_cpu *cpu) { memset(cpu, 0, sizeof *cpu); }
#endif
