#include "broker/background.h"

#include <string>

#include "broker/diagnostics.h"

namespace klog::broker {
namespace {

struct Job {
  uv_work_t req;
  std::function<void()> work;
  std::function<void()> done;
};

void OnWork(uv_work_t* req) { static_cast<Job*>(req->data)->work(); }

void OnDone(uv_work_t* req, int) {
  auto* job = static_cast<Job*>(req->data);
  job->done();
  delete job;
}

}  // namespace

void RunInBackground(uv_loop_t* loop, Diagnostics& diagnostics, std::function<void()> work,
                     std::function<void()> done) {
  auto* job = new Job{{}, std::move(work), std::move(done)};
  job->req.data = job;
  int rc = uv_queue_work(loop, &job->req, OnWork, OnDone);
  if (rc == 0) return;
  diagnostics.Warn(std::string("thread pool: ") + uv_strerror(rc) + "; running on the loop thread");
  job->work();
  job->done();
  delete job;
}

}  // namespace klog::broker
