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
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    try {  // a GPU storage's copy back could fail; a destructor must not throw
      detail::write_bytes(*it->storage, 0, it->bytes.data(), it->bytes.size(), "gradcheck");
    } catch (const Error&) {
    }
  }
  t_journal = previous_;
}

void WriteJournal::note(const Tensor& t) {
  if (!t.defined()) return;
  const auto& storage = t.impl()->storage;
  for (WriteJournal* j = t_journal; j; j = j->previous_) {
    if (storage->serial >= j->born_) continue;
    if (std::any_of(j->saved_.begin(), j->saved_.end(), [&](const Saved& s) { return s.storage == storage; })) continue;
    std::vector<unsigned char> bytes(storage->nbytes);
    detail::read_bytes(*storage, 0, bytes.data(), bytes.size(), "gradcheck");
    j->saved_.push_back({storage, std::move(bytes)});
  }
}

long WriteJournal::references(const detail::Storage* storage) {
  long n = 0;
  for (WriteJournal* j = t_journal; j; j = j->previous_)
    n += std::count_if(j->saved_.begin(), j->saved_.end(), [&](const Saved& s) { return s.storage.get() == storage; });
  return n;
}

}  // namespace xg::autograd
