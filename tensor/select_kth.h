// Private: the k-th smallest of n numbers without NaN, in place (the CPU's kthvalue, median
// and quantile, tensor/along_axis.cpp). std::nth_element's partition branches on every
// comparison, and on random data half of those branches are mispredicted: the median of a
// row of 1024 floats cost 12 ns an element. This quickselect partitions without a branch
// (each element swapped into place, the boundary advanced by the comparison's 0 or 1), splits
// off the pivot's equals in a second pass (so ties cannot stall it), and hands a range that
// will not shrink (more rounds than 2 log2 n) to std::nth_element, which bounds the worst case.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace xg::kernel::detail_select {

// v[lo, hi) reordered so that the elements `before(x)` come first; returns their end.
template <class T, class Before>
std::size_t partition_branchless(T* v, std::size_t lo, std::size_t hi, Before before) {
  std::size_t store = lo;
  for (std::size_t i = lo; i < hi; ++i) {
    const T x = v[i];
    v[i] = v[store];  // [store, i) holds elements that are not before: v[store] is one (or i itself)
    v[store] = x;
    store += static_cast<std::size_t>(before(x));
  }
  return store;
}

/// v[k] becomes the k-th smallest of v[0, n) (k < n), everything before it no larger and
/// everything after no smaller. T must hold no NaN (the caller checks; `<` must be total).
template <class T>
void select_kth(T* v, std::size_t n, std::size_t k) {
  std::size_t lo = 0, hi = n;
  int rounds_left = 2;
  for (std::size_t m = n; m > 1; m >>= 1) rounds_left += 2;
  while (hi - lo > 16) {
    if (--rounds_left < 0) {  // an adversarial order: the library's introselect from here
      std::nth_element(v + lo, v + k, v + hi);
      return;
    }
    const T a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
    const T pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));  // median of three
    const std::size_t less = partition_branchless(v, lo, hi, [pivot](T x) { return x < pivot; });
    if (k < less) {
      hi = less;
      continue;
    }
    const std::size_t equal = partition_branchless(v, less, hi, [pivot](T x) { return !(pivot < x); });
    if (k < equal) return;  // v[less, equal) all equal the pivot
    lo = equal;
  }
  std::sort(v + lo, v + hi);
}

}  // namespace xg::kernel::detail_select
