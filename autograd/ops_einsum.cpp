// einsum: Einstein summation as torch::einsum, composed of operations that already carry
// their gradients of every order on both devices: diagonal for a subscript repeated in one
// operand, sum for a subscript no one else needs, and one matmul per pair of operands, left
// to right (PyTorch's order without opt_einsum): the subscripts both share and keep become
// matmul's broadcast batch axes, the ones they share and drop its inner dimension.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tensor/checked.h"

namespace xg {

namespace {

// Subscripts as numbers: 'A'-'Z' are 0-25, 'a'-'z' 26-51 (so sorting them is PyTorch's
// alphabetical order, capitals first), and the ellipsis's axes 52, 53, ... from the left.
constexpr int kLetters = 52;
using Labels = std::vector<int>;

char letter(int label) { return static_cast<char>(label < 26 ? 'A' + label : 'a' + (label - 26)); }
std::string label_str(int label) { return label < kLetters ? std::string(1, letter(label)) : "..." + std::to_string(label - kLetters); }

// One side of the equation: its letters, and where its ellipsis stands (-1: none).
struct Term {
  Labels letters;
  int ellipsis_at = -1;
};

Term parse_term(const std::string& s, const char* where) {
  Term t;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (s.compare(i, 3, "...") != 0 || t.ellipsis_at >= 0)
        fail("einsum: ", where, " '", s, "' has a '.' that is not part of one '...'");
      t.ellipsis_at = static_cast<int>(t.letters.size());
      i += 2;
    } else if (c >= 'A' && c <= 'Z') {
      t.letters.push_back(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      t.letters.push_back(26 + (c - 'a'));
    } else {
      fail("einsum: subscripts are letters a-z and A-Z, got '", c, "' in ", where, " '", s, "'");
    }
  }
  return t;
}

// The operand's axes' labels, its ellipsis's axes numbered from the right of `span` (the
// widest ellipsis of the equation), as numpy broadcasting aligns them.
Labels expand(const Term& t, std::int64_t ellipsis_dims, std::int64_t span) {
  if (t.ellipsis_at < 0) return t.letters;
  Labels out(t.letters.begin(), t.letters.begin() + t.ellipsis_at);
  for (std::int64_t j = 0; j < ellipsis_dims; ++j) out.push_back(kLetters + static_cast<int>(span - ellipsis_dims + j));
  out.insert(out.end(), t.letters.begin() + t.ellipsis_at, t.letters.end());
  return out;
}

std::int64_t position(const Labels& l, int label) {
  return static_cast<std::int64_t>(std::find(l.begin(), l.end(), label) - l.begin());
}
bool has(const Labels& l, int label) { return std::find(l.begin(), l.end(), label) != l.end(); }

// A labelled tensor on its way through the contraction.
struct Operand {
  Tensor t;
  Labels labels;
};

// Sums out the labels `drop` (present in x), keeping the rest in order.
Operand sum_out(Operand x, const Labels& drop) {
  Axes axes;
  Labels kept;
  for (std::size_t i = 0; i < x.labels.size(); ++i)
    if (has(drop, x.labels[i])) axes.push_back(static_cast<std::int64_t>(i));
    else kept.push_back(x.labels[i]);
  if (axes.empty()) return x;
  return {x.t.sum(axes), kept};
}

Operand permuted(const Operand& x, const Labels& order) {
  Axes perm;
  for (int l : order) perm.push_back(position(x.labels, l));
  bool identity = true;
  for (std::size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<std::int64_t>(i);
  return {identity ? x.t : x.t.permute(perm), order};
}

// a and b contracted into one operand whose labels are those in `keep` (and in a or b).
Operand contract(Operand a, Operand b, const Labels& keep) {
  Labels batch, a_free, b_free, inner, a_drop, b_drop;
  for (int l : a.labels) {
    if (has(b.labels, l)) (has(keep, l) ? batch : inner).push_back(l);
    else if (has(keep, l)) a_free.push_back(l);
    else a_drop.push_back(l);
  }
  for (int l : b.labels)
    if (!has(a.labels, l)) (has(keep, l) ? b_free : b_drop).push_back(l);
  a = sum_out(a, a_drop);
  b = sum_out(b, b_drop);
  // A shared dropped subscript of size 1 on one side broadcasts: sum the other side over it.
  const auto size = [](const Operand& x, int l) { return x.t.shape()[position(x.labels, l)]; };
  for (int l : inner) {
    const std::int64_t sa = size(a, l), sb = size(b, l);
    if (sa == 1 && sb != 1) b.t = b.t.sum({position(b.labels, l)}, true);
    if (sb == 1 && sa != 1) a.t = a.t.sum({position(a.labels, l)}, true);
  }
  Labels a_order = batch, b_order = batch;
  a_order.insert(a_order.end(), a_free.begin(), a_free.end());
  a_order.insert(a_order.end(), inner.begin(), inner.end());
  b_order.insert(b_order.end(), inner.begin(), inner.end());
  b_order.insert(b_order.end(), b_free.begin(), b_free.end());
  a = permuted(a, a_order);
  b = permuted(b, b_order);
  // (batch..., M, K) @ (batch..., K, N): matmul broadcasts the batch axes of size 1.
  const auto product = [](const Operand& x, std::size_t from, std::size_t count) {
    std::int64_t p = 1;
    for (std::size_t i = from; i < from + count; ++i) p = detail::size_mul(p, x.t.shape()[i], "einsum", "a product's size");
    return p;
  };
  const std::size_t nb = batch.size();
  Shape as(a.t.shape().begin(), a.t.shape().begin() + static_cast<std::ptrdiff_t>(nb));
  Shape bs = Shape(b.t.shape().begin(), b.t.shape().begin() + static_cast<std::ptrdiff_t>(nb));
  const std::int64_t M = product(a, nb, a_free.size()), K = product(a, nb + a_free.size(), inner.size()),
                     N = product(b, nb + inner.size(), b_free.size());
  as.push_back(M), as.push_back(K);
  bs.push_back(K), bs.push_back(N);
  const Tensor c = matmul(a.t.reshape(as), b.t.reshape(bs));
  Shape out(c.shape().begin(), c.shape().begin() + static_cast<std::ptrdiff_t>(nb));
  for (std::size_t i = 0; i < a_free.size(); ++i) out.push_back(a.t.shape()[nb + i]);
  for (std::size_t i = 0; i < b_free.size(); ++i) out.push_back(b.t.shape()[nb + inner.size() + i]);
  Labels labels = batch;
  labels.insert(labels.end(), a_free.begin(), a_free.end());
  labels.insert(labels.end(), b_free.begin(), b_free.end());
  return {c.reshape(out), labels};
}

}  // namespace

Tensor einsum(const std::string& equation, const tensor_list& operands) {
  detail::CallScope call("einsum");
  const std::size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> sides;
  for (std::size_t from = 0;;) {
    const std::size_t comma = lhs.find(',', from);
    sides.push_back(lhs.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  if (operands.empty()) fail("einsum: expected at least one operand for '", equation, "'");
  if (sides.size() != operands.size())
    fail("einsum: '", equation, "' has ", sides.size(), " operand subscripts, but ", operands.size(), " operands were given");
  // Each operand's labels; the ellipsis's width; each label's size (equal, or 1 to broadcast).
  std::vector<Term> terms;
  std::int64_t span = 0;
  for (std::size_t k = 0; k < sides.size(); ++k) {
    const Tensor& x = operands[k];
    if (!x.defined()) fail("einsum: operand ", k, " is undefined");
    if (!is_floating(x.dtype())) fail("einsum: expected float operands, got ", dtype_name(x.dtype()), " for operand ", k);
    if (x.dtype() != operands[0].dtype())
      fail("einsum: expected operands of one dtype, got ", dtype_name(operands[0].dtype()), " (operand 0) and ",
           dtype_name(x.dtype()), " (operand ", k, ")");
    terms.push_back(parse_term(sides[k], "operand subscripts"));
    const auto n = static_cast<std::int64_t>(terms[k].letters.size());
    if (terms[k].ellipsis_at < 0 ? n != x.dim() : n > x.dim())
      fail("einsum: operand ", k, " has ", x.dim(), " axes ", detail::shape_str(x.shape()), " but its subscripts '",
           sides[k], "' name ", n, terms[k].ellipsis_at < 0 ? " and no ellipsis was given" : " besides the ellipsis");
    span = std::max(span, x.dim() - n);
  }
  std::vector<Operand> ops;
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(kLetters + span), -1);
  for (std::size_t k = 0; k < terms.size(); ++k) {
    const Tensor& x = operands[k];
    Operand op{x, expand(terms[k], x.dim() - static_cast<std::int64_t>(terms[k].letters.size()), span)};
    for (std::size_t i = 0; i < op.labels.size(); ++i) {
      const int l = op.labels[i];
      const std::int64_t s = x.shape()[i];
      const std::int64_t first = position(op.labels, l);
      if (first < static_cast<std::int64_t>(i)) {  // a repeat within the operand: a diagonal
        if (x.shape()[first] != s)
          fail("einsum: subscript ", label_str(l), " is repeated for operand ", k, " but its sizes differ, ",
               x.shape()[first], " != ", s);
        continue;
      }
      auto& known = sizes[l];
      if (known >= 0 && known != s && known != 1 && s != 1)
        fail("einsum: subscript ", label_str(l), " has size ", s, " for operand ", k,
             " which does not broadcast with previously seen size ", known);
      if (known < 0 || known == 1) known = s;
    }
    // Repeated subscripts: take each diagonal (it lands last), until every label is unique.
    for (bool again = true; again;) {
      again = false;
      for (std::size_t i = 0; i < op.labels.size() && !again; ++i)
        for (std::size_t j = i + 1; j < op.labels.size() && !again; ++j)
          if (op.labels[i] == op.labels[j]) {
            const int l = op.labels[i];
            op.t = diagonal(op.t, 0, static_cast<std::int64_t>(i), static_cast<std::int64_t>(j));
            op.labels.erase(op.labels.begin() + static_cast<std::ptrdiff_t>(j));
            op.labels.erase(op.labels.begin() + static_cast<std::ptrdiff_t>(i));
            op.labels.push_back(l);
            again = true;
          }
    }
    ops.push_back(op);
  }
  // The output: given after "->", or the ellipsis's axes and then the labels seen once, in
  // alphabetical order (PyTorch's rule).
  Labels output;
  if (arrow != std::string::npos) {
    const std::string rhs = equation.substr(arrow + 2);
    const Term t = parse_term(rhs, "output subscripts");
    if (t.ellipsis_at >= 0 && span == 0 && std::none_of(terms.begin(), terms.end(), [](const Term& x) { return x.ellipsis_at >= 0; }))
      fail("einsum: the output '", rhs, "' has an ellipsis but no operand does");
    output = expand(t, span, span);
    for (std::size_t i = 0; i < output.size(); ++i) {
      const int l = output[i];
      if (sizes[l] < 0) fail("einsum: output subscript ", label_str(l), " does not appear in any operand");
      if (position(output, l) < static_cast<std::int64_t>(i))
        fail("einsum: output subscript ", label_str(l), " appears more than once in the output");
    }
  } else {
    for (std::int64_t j = 0; j < span; ++j) output.push_back(kLetters + static_cast<int>(j));
    for (int l = 0; l < kLetters; ++l) {
      std::int64_t total = 0;  // a letter repeated within one operand counts each time
      for (const Term& t : terms) total += std::count(t.letters.begin(), t.letters.end(), l);
      if (total == 1) output.push_back(l);
    }
  }
  // Labels nobody else needs are summed out of their operand first; then left to right.
  const auto needed_after = [&](std::size_t k) {
    Labels keep = output;
    for (std::size_t j = k; j < ops.size(); ++j) keep.insert(keep.end(), ops[j].labels.begin(), ops[j].labels.end());
    return keep;
  };
  Operand cur = ops[0];
  if (ops.size() == 1) {
    Labels drop;
    for (int l : cur.labels)
      if (!has(output, l)) drop.push_back(l);
    cur = sum_out(cur, drop);
  }
  for (std::size_t k = 1; k < ops.size(); ++k) cur = contract(cur, ops[k], needed_after(k + 1));
  return permuted(cur, output).t;
}

}  // namespace xg
