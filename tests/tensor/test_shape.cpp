// xg::Shape keeps six sizes inline and moves to the heap beyond; it must behave as the
// std::vector it replaced in every edit users and the library make.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include <xgrad/detail/small_vector.h>
#include <xgrad/xgrad.h>

namespace {

std::vector<std::int64_t> iota(std::int64_t n, std::int64_t from = 1) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(from + i);
  return v;
}

TEST(Shape, GrowsPastTheInlineSizesKeepingEveryValue) {
  xg::Shape s;
  for (std::int64_t i = 1; i <= 40; ++i) {
    s.push_back(i);
    ASSERT_EQ(s.vec(), iota(i)) << "after " << i << " push_backs";
  }
  EXPECT_GE(s.capacity(), 40u);
  xg::Shape copy = s;  // a heap shape copied
  xg::Shape moved = std::move(s);
  EXPECT_EQ(copy, moved);
  EXPECT_TRUE(s.empty());  // NOLINT: a moved-from shape is empty, as documented
  s.push_back(7);          // and usable
  EXPECT_EQ(s, (xg::Shape{7}));
}

TEST(Shape, CopiesAndMovesBetweenInlineAndHeapShapes) {
  const xg::Shape small{2, 3}, big(xg::Shape(iota(9)));
  xg::Shape a = big;
  a = small;  // heap-held shape takes an inline one
  EXPECT_EQ(a, small);
  a = big;
  EXPECT_EQ(a, big);
  xg::Shape b = small;
  b = xg::Shape(big);  // moved from a heap shape
  EXPECT_EQ(b, big);
  b = xg::Shape{4};    // moved from an inline one
  EXPECT_EQ(b.vec(), std::vector<std::int64_t>{4});
  a.swap(b);
  EXPECT_EQ(a, (xg::Shape{4}));
  EXPECT_EQ(b, big);
}

TEST(Shape, EditsAsAVector) {
  xg::Shape s{2, 3, 4};
  s.insert(s.begin() + 1, 9);
  EXPECT_EQ(s, (xg::Shape{2, 9, 3, 4}));
  s.insert(s.end(), {5, 6, 7, 8});  // crosses onto the heap mid-insert
  EXPECT_EQ(s, (xg::Shape{2, 9, 3, 4, 5, 6, 7, 8}));
  s.insert(s.begin(), s.begin() + 6, s.end());  // a range of itself
  EXPECT_EQ(s, (xg::Shape{7, 8, 2, 9, 3, 4, 5, 6, 7, 8}));
  s.erase(s.begin() + 2, s.begin() + 8);
  EXPECT_EQ(s, (xg::Shape{7, 8, 7, 8}));
  s.erase(s.begin());
  s.pop_back();
  EXPECT_EQ(s, (xg::Shape{8, 7}));
  s.resize(4, 1);
  EXPECT_EQ(s, (xg::Shape{8, 7, 1, 1}));
  s.resize(1);
  EXPECT_EQ(s.back(), 8);
  EXPECT_THROW(s.at(1), std::out_of_range);
  EXPECT_EQ(xg::Shape(3, 5), (xg::Shape{5, 5, 5}));
}

TEST(Shape, ConvertsToAndFromStdVectorAndOrders) {
  const std::vector<std::int64_t> v{3, 1, 4, 1, 5, 9, 2, 6};
  const xg::Shape s = v;
  const std::vector<std::int64_t> back = s;
  EXPECT_EQ(back, v);
  EXPECT_EQ(xg::zeros(v).shape(), s);  // creation functions take a std::vector
  EXPECT_TRUE((xg::Shape{1, 2}) < (xg::Shape{1, 3}));
  EXPECT_TRUE((xg::Shape{1}) < (xg::Shape{1, 0}));
  EXPECT_FALSE((xg::Shape{2}) < (xg::Shape{1, 9}));
  std::map<xg::Shape, int> seen{{{2, 3}, 1}, {{2}, 2}};  // usable as an ordered key
  EXPECT_EQ(seen.begin()->second, 2);
}

// The vector behind a graph node's edges, metadata and saved tensors: elements that own
// something must be moved, never copied or leaked, inline and on the heap.
TEST(SmallVector, GrowsMovesAndDestroysOwningElements) {
  auto token = std::make_shared<int>(7);
  {
    xg::detail::SmallVector<std::shared_ptr<int>, 2> v;
    for (int i = 0; i < 9; ++i) {
      v.push_back(token);
      ASSERT_EQ(token.use_count(), i + 2) << "after " << i + 1 << " elements";
    }
    auto moved = std::move(v);  // a heap buffer changes hands
    EXPECT_EQ(moved.size(), 9u);
    EXPECT_TRUE(v.empty());  // NOLINT: moved-from is empty
    EXPECT_EQ(token.use_count(), 10);
    xg::detail::SmallVector<std::shared_ptr<int>, 2> small;
    small.emplace_back(token);
    auto moved_small = std::move(small);  // inline elements move one by one
    EXPECT_EQ(token.use_count(), 11);
    EXPECT_EQ(*moved_small[0], 7);
    moved.assign_default(3);
    EXPECT_EQ(token.use_count(), 2);
    EXPECT_EQ(moved[2], nullptr);
  }
  EXPECT_EQ(token.use_count(), 1);
}

}  // namespace
