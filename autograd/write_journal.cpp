// The write journal of the gradient checks (see write_journal.h).
#include "autograd/write_journal.h"

#include <algorithm>
#include <cstring>

#include "tensor/tensor_impl.h"

namespace xg::autograd {

namespace {
thread_local WriteJournal* t_journal = nullptr;
}  // namespace

WriteJournal::WriteJournal() : previous_(t_journal), born_(detail::next_storage_serial()) { t_journal = this; }

WriteJournal::~WriteJournal() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
    std::memcpy(it->storage->host(), it->bytes.data(), it->bytes.size());
  t_journal = previous_;
}

void WriteJournal::note(const Tensor& t) {
  if (!t.defined()) return;
  const auto& storage = t.impl()->storage;
  for (WriteJournal* j = t_journal; j; j = j->previous_) {
    if (storage->serial >= j->born_) continue;
    if (std::any_of(j->saved_.begin(), j->saved_.end(), [&](const Saved& s) { return s.storage == storage; })) continue;
    const auto* p = static_cast<const unsigned char*>(storage->host());
    j->saved_.push_back({storage, std::vector<unsigned char>(p, p + storage->nbytes)});
  }
}

}  // namespace xg::autograd
