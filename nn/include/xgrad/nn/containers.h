// ModuleDict, ParameterList and ParameterDict: libtorch's containers that register what
// they hold (so parameters(), optimizers, save and load see it) and have no forward.
//
//   xg::nn::ModuleDict heads({{"cls", std::make_shared<xg::nn::Linear>(64, 10)},
//                             {"box", std::make_shared<xg::nn::Linear>(64, 4)}});
//   auto y = heads["cls"](features);
//   xg::nn::ParameterList scales;
//   scales.append(xg::ones({64}).requires_grad_());
//
// As libtorch's: a parameter is registered with its own requires_grad (a tensor that does
// not require grad is held, saved and loaded, but not trained), and inserting under a key
// already present replaces its entry in place.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xgrad/nn/module.h>

namespace xg::nn {

/// Named modules in insertion order, each registered under its key.
class ModuleDict : public Module {
 public:
  using Item = std::pair<std::string, std::shared_ptr<Module>>;
  ModuleDict() = default;
  explicit ModuleDict(const std::vector<Item>& modules) { update(modules); }
  /// Adds `module` under `key`, or replaces the module there (keeping its position).
  void insert(const std::string& key, std::shared_ptr<Module> module);
  /// insert() for each item, in order.
  void update(const std::vector<Item>& modules);
  /// The module under `key`; an error naming the key and the keys there are when absent.
  Module& operator[](const std::string& key) const;
  /// The module under `key` as its own type (an error when it is another type).
  template <class M>
  M& at(const std::string& key) const {
    auto* m = dynamic_cast<M*>(&(*this)[key]);
    if (!m) wrong_type(key);
    return *m;
  }
  /// Removes and returns the module under `key`.
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();
  bool contains(const std::string& key) const;
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;
  std::vector<std::shared_ptr<Module>> values() const;
  const std::vector<Item>& items() const { return items_; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  /// Throws: a ModuleDict is used by its owner, not called.
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<Item>::const_iterator find(const std::string& key) const;
  [[noreturn]] void wrong_type(const std::string& key) const;
  std::vector<Item> items_;
};

/// Parameters in order, registered as "0", "1", ...
class ParameterList : public Module {
 public:
  ParameterList() = default;
  explicit ParameterList(const tensor_list& parameters) { extend(parameters); }
  /// Registers `parameter` (the same tensor, not a copy) under the next index.
  void append(const Tensor& parameter);
  void extend(const tensor_list& parameters);
  /// The i-th parameter; an error naming i and the size when out of range.
  Tensor& operator[](std::size_t i);
  const Tensor& operator[](std::size_t i) const;
  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  auto begin() const { return params_.begin(); }
  auto end() const { return params_.end(); }
  /// Throws: a ParameterList is used by its owner, not called.
  Tensor forward(const Tensor& x) override;

 private:
  std::deque<Tensor> params_;  // a deque: registration holds references, which must stay put
};

/// Named parameters in insertion order, each registered under its key.
class ParameterDict : public Module {
 public:
  ParameterDict() = default;
  explicit ParameterDict(const NamedTensors& parameters) { update(parameters); }
  /// Registers `parameter` (the same tensor) under `key`, or replaces the one there
  /// (keeping its position).
  void insert(const std::string& key, const Tensor& parameter);
  void update(const NamedTensors& parameters);
  /// The parameter under `key`; an error naming the key and the keys there are when absent.
  Tensor& operator[](const std::string& key);
  const Tensor& operator[](const std::string& key) const;
  Tensor get(const std::string& key) const { return (*this)[key]; }
  /// Removes and returns the parameter under `key`.
  Tensor pop(const std::string& key);
  void clear();
  bool contains(const std::string& key) const;
  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  std::vector<std::string> keys() const;
  tensor_list values() const;
  NamedTensors items() const;
  /// Throws: a ParameterDict is used by its owner, not called.
  Tensor forward(const Tensor& x) override;

 private:
  std::size_t index(const std::string& key) const;
  // Registration holds references into the deque, which stay put as it grows at the end;
  // removing an entry re-registers the ones after it.
  std::deque<std::pair<std::string, Tensor>> params_;
};

}  // namespace xg::nn
