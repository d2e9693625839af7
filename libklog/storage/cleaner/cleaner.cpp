// CompactLog and CleanPass: see cleaner.h.
#include "klog/cleaner.h"

#include "klog/log.h"
#include "storage/cleaner/internal.h"

namespace klog {

CleanPass::CleanPass(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
// A pass dropped after Run without a Commit leaves no *.cleaned files behind.
CleanPass::~CleanPass() {
  if (impl_ && !impl_->groups.empty()) RemoveCleanedFiles(impl_->dir, impl_->groups);
}
bool CleanPass::empty() const { return impl_->empty(); }

namespace {
constexpr int kMaxBusyRetries = 3;
}  // namespace

Status CompactLog(LogWriter* w, const CleanerOptions& opts, CleanResult* out) {
  *out = CleanResult{};
  int busy = 0;
  for (;;) {
    Result<std::unique_ptr<CleanPass>> pass = PlanClean(w, opts);
    if (!pass.ok()) return pass.status();
    CleanPass::Impl* p = (*pass)->impl();
    if (p->empty()) break;
    Status st = RunClean(pass->get());
    if (!st.ok()) {
      AbandonClean(pass->get());
      return st;
    }
    st = CommitClean(w, pass->get(), out);
    if (st.code() == Status::Code::kBusy && ++busy <= kMaxBusyRetries) continue;
    if (!st.ok()) {
      AbandonClean(pass->get());
      return st;
    }
    if (p->map_end >= p->cleanable_end) break;
  }
  Result<CleanableState> state = CleanableStateOf(w, opts);
  if (!state.ok()) return state.status();
  out->first_dirty = state->first_dirty;
  return Status::Ok();
}

}  // namespace klog
