#pragma once
// splitmix64: a fast generator, good enough to pick uniform random keys in
// the benchmarks (shared by dict_bench and cluster_bench).
#include <cstdint>

struct rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};
