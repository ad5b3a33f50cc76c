// Private: a record of the storages that in-place operations write while it lives, and
// their contents before the first write, put back when it ends. The gradient checks run the
// user's function hundreds of times; one that updates state in place (BatchNorm's running
// statistics and batch counter in training mode, a user's own counter) would otherwise leave
// the model changed by the check. Every in-place Tensor method notes its target first.
#pragma once

#include <memory>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {
struct Storage;
}

namespace xg::autograd {

class WriteJournal {
 public:
  WriteJournal();
  /// Restores every storage written since construction, also when an exception unwinds.
  ~WriteJournal();
  WriteJournal(const WriteJournal&) = delete;
  WriteJournal& operator=(const WriteJournal&) = delete;

  /// Called before `t`'s storage is written in place: every active journal on this thread
  /// (they nest) keeps its current bytes the first time it sees that storage, if the storage
  /// is older than the journal (temporaries made during the check are nobody's state).
  static void note(const Tensor& t);
  /// How many references to `storage` the active journals hold (not another tensor's: an
  /// in-place update that must own its storage does not count them).
  static long references(const detail::Storage* storage);

 private:
  struct Saved {
    std::shared_ptr<detail::Storage> storage;
    std::vector<unsigned char> bytes;
  };
  std::vector<Saved> saved_;
  WriteJournal* previous_;
  std::uint64_t born_;  // storages with this serial or later were created while it lived
};

}  // namespace xg::autograd
