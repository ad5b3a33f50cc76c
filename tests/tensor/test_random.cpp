// The generators: Philox4x32-10 against Random123's published answers, its draws as pure
// functions of (seed, offset) (so CPU and CUDA, and any thread count, agree), its statistics,
// and the mt19937_64 stream that every earlier program relies on.
#include "test_util.h"

#include <algorithm>

#include "tensor/philox.h"

namespace {

xg::Tensor draw_with(xg::Generator& g, xg::Tensor (*draw)(const xg::Shape&, const xg::TensorOptions&), xg::Shape s,
                     xg::Dtype dtype) {
  xg::GeneratorGuard use(g);
  return draw(s, dtype);
}

}  // namespace

TEST(Philox, KnownAnswersOfRandom123) {
  // Random123's tests/kat_vectors, the three "philox4x32 10" lines: counter, key -> result.
  using xg::detail::philox::block;
  const auto zero = block(0, 0, 0, 0, 0, 0);
  EXPECT_EQ(std::vector<std::uint32_t>(zero.w, zero.w + 4),
            (std::vector<std::uint32_t>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  const std::uint32_t f = 0xffffffff;
  const auto ones = block(f, f, f, f, f, f);
  EXPECT_EQ(std::vector<std::uint32_t>(ones.w, ones.w + 4),
            (std::vector<std::uint32_t>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  const auto pi = block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
  EXPECT_EQ(std::vector<std::uint32_t>(pi.w, pi.w + 4),
            (std::vector<std::uint32_t>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
  // Through the public generator: seed 0 is key 0, offset 0 is counter 0; 64 bits are words 0-1.
  xg::Generator g(0, xg::kPhilox);
  EXPECT_EQ(g.next_u64(), 0xe169c58d6627e8d5ull);
  EXPECT_EQ(g.get_offset(), 1u);
}

TEST(Philox, ATensorIsItsElementsDrawnOneByOne) {
  xg::Generator a(7, xg::kPhilox), b(7, xg::kPhilox);
  const auto t = draw_with(a, xg::rand, {3, 5}, xg::kFloat64);
  EXPECT_EQ(a.get_offset(), 15u);
  std::vector<double> one_by_one;
  for (int i = 0; i < 15; ++i) one_by_one.push_back(b.uniform());
  EXPECT_EQ(t.to_vector<double>(), one_by_one);
  // Normals and integers too: one counter per element.
  const auto n = draw_with(a, xg::randn, {4}, xg::kFloat64).to_vector<double>();
  for (double v : n) EXPECT_EQ(v, b.normal());
  xg::Tensor k;
  {
    xg::GeneratorGuard use(a);
    k = xg::randint(-3, 1000, {6});
  }
  for (auto v : k.to_vector<std::int64_t>()) EXPECT_EQ(v, -3 + static_cast<std::int64_t>(b.below(1003)));
  EXPECT_EQ(a.get_offset(), b.get_offset());
}

TEST(Philox, AnOffsetReplaysAndASeedRestarts) {
  xg::Generator g(123, xg::kPhilox);
  const auto all = draw_with(g, xg::randn, {10}, xg::kFloat32).to_vector<float>();
  g.set_offset(4);
  const auto tail = draw_with(g, xg::randn, {6}, xg::kFloat32).to_vector<float>();
  EXPECT_EQ(tail, std::vector<float>(all.begin() + 4, all.end()));
  g.seed_(123);
  EXPECT_EQ(g.get_offset(), 0u);
  EXPECT_EQ(draw_with(g, xg::randn, {10}, xg::kFloat32).to_vector<float>(), all);
  EXPECT_EQ(g.current_seed(), 123u);
  // Another seed, another stream; a copy continues where its original stood.
  xg::Generator h(124, xg::kPhilox), c = g;
  EXPECT_NE(draw_with(h, xg::rand, {8}, xg::kFloat64).to_vector<double>(),
            draw_with(g, xg::rand, {8}, xg::kFloat64).to_vector<double>());
  EXPECT_EQ(c.get_offset(), 10u);
  c.set_offset(10);
  g.set_offset(10);
  EXPECT_EQ(c.uniform(), g.uniform());
}

TEST(Philox, SameBitsOnAnyThreadCount) {
  // Large enough to be split over threads (parallel_elements), so a chunk boundary that moved
  // an element's counter would show.
  const int before = xg::get_num_threads();
  xg::Generator g1(5, xg::kPhilox), g2(5, xg::kPhilox);
  xg::set_num_threads(1);
  const auto one = draw_with(g1, xg::randn, {300001}, xg::kFloat32);
  xg::set_num_threads(2);
  const auto two = draw_with(g2, xg::randn, {300001}, xg::kFloat32);
  xg::set_num_threads(before);
  EXPECT_EQ(one.to_vector<float>(), two.to_vector<float>());
}

TEST(Philox, DistributionsHaveTheirMoments) {
  xg::Generator g(2026, xg::kPhilox);
  const auto u = draw_with(g, xg::rand, {200000}, xg::kFloat32);
  EXPECT_GE(u.min().item(), 0.0);
  EXPECT_LT(u.max().item(), 1.0);
  EXPECT_NEAR(u.mean().item(), 0.5, 0.005);
  EXPECT_NEAR(u.var().item(), 1.0 / 12, 0.002);
  // Ten equal bins, each about a tenth (a binomial's sd here is 0.0007).
  const auto bins = (u * 10).to(xg::kInt64).to_vector<std::int64_t>();
  for (int b = 0; b < 10; ++b)
    EXPECT_NEAR(std::count(bins.begin(), bins.end(), b) / 200000.0, 0.1, 0.004) << "bin " << b;
  const auto n = draw_with(g, xg::randn, {200000}, xg::kFloat64);
  EXPECT_NEAR(n.mean().item(), 0.0, 0.01);
  EXPECT_NEAR(n.var().item(), 1.0, 0.02);
  EXPECT_NEAR((n.abs() < 1.0).to(xg::kFloat64).mean().item(), 0.6827, 0.005);  // one sigma
  xg::Tensor k;
  {
    xg::GeneratorGuard use(g);
    k = xg::randint(0, 3, {30000});
    const auto p = xg::randperm(50).to_vector<std::int64_t>();
    std::vector<std::int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  }
  for (int v = 0; v < 3; ++v) EXPECT_NEAR((k == v).to(xg::kFloat64).mean().item(), 1.0 / 3, 0.01);
}

TEST(Philox, OnlyPhiloxHasAnOffset) {
  xg::Generator mt(1);
  EXPECT_EQ(mt.engine(), xg::kMt19937_64);
  EXPECT_XG_ERROR(mt.get_offset(), "Generator::get_offset", "Philox", "mt19937_64");
  EXPECT_XG_ERROR(mt.set_offset(3), "Generator::set_offset", "Philox");
  EXPECT_XG_ERROR(xg::Generator(0, xg::kPhilox).below(0), "Generator::below: empty range");
}

TEST(Random, SeedingTheCudaGeneratorLeavesTheCpuStreamAlone) {
  xg::manual_seed(11);
  const auto a = xg::rand({5}, xg::kFloat64).to_vector<double>();
  xg::manual_seed(11);
  xg::cuda::manual_seed(99);  // host state, so callable without CUDA (libtorch: ignored there)
  EXPECT_EQ(xg::rand({5}, xg::kFloat64).to_vector<double>(), a);
}
