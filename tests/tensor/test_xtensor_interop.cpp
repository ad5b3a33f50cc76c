// The opt-in xtensor interop header converts both ways.
#include <xgrad/xtensor.h>

#include "test_util.h"

TEST(XtensorInterop, RoundTrip) {
  auto t = xg::tensor({{1, 2, 3}, {4, 5, 6}}, xg::kFloat64);
  xt::xarray<double> a = xg::to_xarray<double>(t);
  ASSERT_EQ(a.dimension(), 2u);
  EXPECT_EQ(a.shape()[0], 2u);
  EXPECT_EQ(a(1, 2), 6.0);
  a(0, 0) = 10;  // a copy: the tensor is unchanged
  EXPECT_EQ(t.at({0, 0}), 1.0);
  auto back = xg::from_xarray(a);
  EXPECT_EQ(back.dtype(), xg::kFloat64);
  EXPECT_EQ(back.shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(back.at({0, 0}), 10.0);
  auto f = xg::from_xarray(xt::xarray<float>{{1.5f, 2.5f}});
  EXPECT_EQ(f.dtype(), xg::kFloat32);
  EXPECT_EQ(f.shape(), (xg::Shape{1, 2}));
}
