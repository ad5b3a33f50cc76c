// CSV reading, the shipped tables, standardisation and splitting.
#include <fstream>

#include "test_util.h"

using xg::test::values_near;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "xgrad_" + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST(ReadCsv, HeaderColumnsAndLabelSplit) {
  auto t = xg::data::read_csv(write_temp("ok.csv", "a,b,label\n1,2,0\n3.5,-4e1,1\n"));
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b", "label"}));
  EXPECT_EQ(t.values.shape(), (xg::Shape{2, 3}));
  auto [x, y] = t.split_label("label");
  EXPECT_TRUE(values_near(x, {1, 2, 3.5, -40}));
  EXPECT_TRUE(values_near(y, {0, 1}));
  EXPECT_XG_ERROR(t.split_label("price"), "no column 'price' (columns: a, b, label)");
}

TEST(ReadCsv, BadCellsNameRowAndColumn) {
  EXPECT_XG_ERROR(xg::data::read_csv(write_temp("bad.csv", "a,b\n1,2\n3,abc\n")), "row 3, column 2 ('b'): 'abc' is not a number");
  EXPECT_XG_ERROR(xg::data::read_csv(write_temp("short.csv", "a,b\n1\n")), "row 2 has 1 cells, the header has 2");
  EXPECT_XG_ERROR(xg::data::read_csv(write_temp("empty.csv", "")), "is empty");
  EXPECT_XG_ERROR(xg::data::read_csv("/nonexistent.csv"), "read_csv: cannot open /nonexistent.csv");
  // A NUL inside a cell used to end the number early: "1\0junk" read as 1.
  static const char nul_csv[] = "a,b\n1,2\n1\0junk,3\n";
  EXPECT_XG_ERROR(xg::data::read_csv(write_temp("nul.csv", std::string(nul_csv, sizeof nul_csv - 1))),
                  "row 3, column 1 ('a'): '1\\x00junk' is not a number");
}

TEST(ReadCsv, ShippedTablesAndKerasOrder) {
  const std::string dir = std::string(XGRAD_DATA_DIR) + "/tabular/";
  auto boston = xg::data::read_csv(dir + "boston_housing.csv");
  EXPECT_EQ(boston.values.shape(), (xg::Shape{506, 14}));
  auto order = xg::data::read_csv(dir + "boston_keras_order.csv", xg::kInt64).values.reshape({-1});
  auto medv = boston.split_label("medv").second;
  auto y = xg::index_select(medv, 0, order);
  EXPECT_TRUE(values_near(y.slice(0, 0, 5), {15.2, 42.3, 50.0, 21.1, 17.7}, 1e-5));    // Keras's y_train
  EXPECT_TRUE(values_near(y.slice(0, 404, 409), {7.2, 18.8, 19.0, 27.0, 22.2}, 1e-5));  // Keras's y_test
  auto pima = xg::data::read_csv(dir + "pima_indians_diabetes.csv");
  EXPECT_EQ(pima.values.shape(), (xg::Shape{768, 9}));
  EXPECT_NEAR(pima.split_label("diabetes").second.sum().item(), 268, 1e-9);  // 268 positive cases
}

TEST(StandardScaler, FitOnTrainApplyAnywhere) {
  auto x = xg::tensor({{1.0, 5.0}, {3.0, 5.0}}, xg::kFloat64);
  xg::data::StandardScaler s;
  auto z = s.fit_transform(x);
  EXPECT_TRUE(values_near(z, {-1, 0, 1, 0}));  // a constant column is centred, not divided by 0
  EXPECT_TRUE(values_near(s.transform(xg::tensor({{5.0, 6.0}}, xg::kFloat64)), {3, 1}));
  EXPECT_XG_ERROR(s.transform(xg::ones({1, 3})), "fitted on 2 columns");
  EXPECT_XG_ERROR(xg::data::StandardScaler().transform(x), "transform before fit");
}

TEST(TrainTestSplit, SeededAndDisjoint) {
  auto x = xg::arange(10, xg::kFloat32).reshape({10, 1});
  auto y = xg::arange(10);
  auto a = xg::data::train_test_split(x, y, 0.3, 5), b = xg::data::train_test_split(x, y, 0.3, 5);
  EXPECT_EQ(a.y_train.numel(), 7);
  EXPECT_EQ(a.y_test.numel(), 3);
  EXPECT_EQ(a.y_test.to_vector<std::int64_t>(), b.y_test.to_vector<std::int64_t>());
  auto all = xg::concat({a.y_train, a.y_test}).to_vector<std::int64_t>();
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(a.x_train.reshape({-1}).to(xg::kInt64).to_vector<std::int64_t>(), a.y_train.to_vector<std::int64_t>());
  EXPECT_XG_ERROR(xg::data::train_test_split(x, y, 1.5), "test_fraction must be in (0, 1)");
}
