// CommitClean's crash-safe swap and its recovery. Order (klog-format(5)):
//   check       every source segment still has the size Plan saw (else Busy);
//   manifest    klog.cleaning is written atomically: the commit point;
//   list        klog.segments lists each cleaned segment instead of its
//               sources (before any source goes, so none is ever listed and gone);
//   rename      each group's *.cleaned files replace its base's files
//               (.index, .timeindex, .xxh3, then .log);
//   unlink      the other sources' files go (.log first);
//   checkpoint  klog.cleaner takes the new first dirty offset;
//   done        klog.cleaning is removed.
// A crash before the manifest rolls back (the *.cleaned files are removed);
// after it, recovery redoes rename..done, each step idempotent.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "klog/filename.h"
#include "klog/log.h"
#include "klog/segment.h"
#include "storage/cleaner/internal.h"
#include "storage/segment_list.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog {

namespace {

constexpr std::string_view kSegmentSuffixes[] = {kIndexSuffix, kTimeIndexSuffix, kDigestSuffix,
                                                 kLogSuffix};

std::string ManifestPath(const std::string& dir) { return dir + "/" + std::string(kCleaningName); }

struct Manifest {
  int64_t first_dirty = 0;
  int64_t horizon = -1;
  std::vector<CleanGroup> groups;
};

// One sealed line: "klog-cleaning 1 first_dirty <O> horizon <H> groups <N>"
// then per group " group <base> sources <n> <base> ...".
std::string EncodeManifest(const Manifest& m) {
  std::string body = "klog-cleaning 1 first_dirty " + std::to_string(m.first_dirty) + " horizon " +
                     std::to_string(m.horizon) + " groups " + std::to_string(m.groups.size());
  for (const CleanGroup& g : m.groups) {
    body += " group " + std::to_string(g.base) + " sources " + std::to_string(g.sources.size());
    for (int64_t s : g.sources) body += " " + std::to_string(s);
  }
  return SealLine(body);
}

bool DecodeManifest(const std::string& body, Manifest* m) {
  std::istringstream in(body);
  std::string w[5];
  size_t n_groups = 0;
  if (!(in >> w[0] >> w[1] >> w[2] >> m->first_dirty >> w[3] >> m->horizon >> w[4] >> n_groups) ||
      w[0] != "klog-cleaning" || w[1] != "1" || w[2] != "first_dirty" || w[3] != "horizon" ||
      w[4] != "groups" || n_groups > 1000000) {
    return false;
  }
  for (size_t i = 0; i < n_groups; ++i) {
    CleanGroup g;
    size_t n_sources = 0;
    if (!(in >> w[0] >> g.base >> w[1] >> n_sources) || w[0] != "group" || w[1] != "sources" ||
        n_sources == 0 || n_sources > 10000000) {
      return false;
    }
    g.sources.resize(n_sources);
    for (int64_t& s : g.sources) {
      if (!(in >> s)) return false;
    }
    if (g.sources[0] != g.base) return false;
    m->groups.push_back(std::move(g));
  }
  return !(in >> w[0]);
}

Status UnlinkIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + path, errno);
  }
  return Status::Ok();
}

// Step "rename". A missing .cleaned file was renamed before a crash.
Status RenameGroups(const std::string& dir, const std::vector<CleanGroup>& groups) {
  for (const CleanGroup& g : groups) {
    for (std::string_view suffix : kSegmentSuffixes) {
      std::string from = CleanedPath(dir, g.base, suffix);
      std::string to = SegmentPath(dir, g.base, suffix);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
        return Status::FromErrno("rename " + from + " to " + to, errno);
      }
    }
  }
  return Status::Ok();
}

// Step "unlink": the sources other than each group's base, .log first.
Status UnlinkSources(const std::string& dir, const std::vector<CleanGroup>& groups) {
  for (const CleanGroup& g : groups) {
    for (size_t i = 1; i < g.sources.size(); ++i) {
      for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
        KLOG_RETURN_IF_ERROR(UnlinkIfPresent(SegmentPath(dir, g.sources[i], suffix)));
      }
    }
  }
  return Status::Ok();
}

// The cleaned segment's digest: its .xxh3.cleaned, or the .xxh3 it was
// renamed to already (before its .log, so it is the new one).
Result<SegmentDigest> CleanedDigest(const std::string& dir, int64_t base) {
  Result<SegmentDigest> d = ReadDigestFile(CleanedPath(dir, base, kDigestSuffix));
  if (d.status().IsNotFound()) d = ReadDigestFile(SegmentPath(dir, base, kDigestSuffix));
  return d;
}

// Step "list": in klog.segments, each group's sources become one entry for
// the cleaned segment, ending where its last listed source ended. Done again
// by recovery, it finds the sources merged already and changes nothing.
Status ListCleaned(const std::string& dir, const std::vector<CleanGroup>& groups, bool sync) {
  Result<SegmentList> list = ReadSegmentList(dir);
  if (list.status().IsNotFound()) return Status::Ok();  // an older klog's directory
  if (!list.ok()) return list.status();
  std::vector<SegmentListEntry>& entries = list->entries;
  bool changed = list->torn;
  for (const CleanGroup& g : groups) {
    auto is_source = [&](const SegmentListEntry& e) {
      return std::find(g.sources.begin(), g.sources.end(), e.base) != g.sources.end();
    };
    auto first = std::find_if(entries.begin(), entries.end(), is_source);
    if (first == entries.end()) continue;
    auto last = std::find_if(entries.rbegin(), entries.rend(), is_source).base();
    if (!std::all_of(first, last, is_source)) {
      return Status::Corruption(dir + "/" + std::string(kSegmentListName) +
                                ": the sources of cleaned segment " + std::to_string(g.base) +
                                " are not listed one after another");
    }
    Result<SegmentDigest> d = CleanedDigest(dir, g.base);
    if (!d.ok()) return d.status();
    SegmentListEntry merged{g.base, std::prev(last)->next, d->bytes, d->xxh3};
    if (last - first == 1 && first->base == merged.base && first->next == merged.next &&
        first->bytes == merged.bytes && first->xxh3 == merged.xxh3) {
      continue;
    }
    *first = merged;
    entries.erase(first + 1, last);
    changed = true;
  }
  if (!changed) return Status::Ok();
  return WriteSegmentList(dir, entries, sync);
}

using StepHook = std::function<void(std::string_view)>;

// Steps rename..done, from a fresh Commit or from recovery.
Status FinishSwap(const std::string& dir, const Manifest& m, bool sync, const StepHook& hook) {
  auto step = [&](std::string_view name) {
    if (hook) hook(name);
  };
  step("list");
  KLOG_RETURN_IF_ERROR(ListCleaned(dir, m.groups, sync));
  step("rename");
  KLOG_RETURN_IF_ERROR(RenameGroups(dir, m.groups));
  if (sync) KLOG_RETURN_IF_ERROR(SyncDir(dir));  // the renames before any source goes
  step("unlink");
  KLOG_RETURN_IF_ERROR(UnlinkSources(dir, m.groups));
  step("checkpoint");
  KLOG_RETURN_IF_ERROR(WriteCleanerCheckpoint(dir, {m.first_dirty, m.horizon}, sync));
  if (sync) KLOG_RETURN_IF_ERROR(SyncDir(dir));
  step("done");
  KLOG_RETURN_IF_ERROR(UnlinkIfPresent(ManifestPath(dir)));
  if (sync) KLOG_RETURN_IF_ERROR(SyncDir(dir));
  return Status::Ok();
}

// Every file in `dir` whose name holds ".cleaned" (with the ".tmp" files a
// crash may leave), and klog.cleaning.tmp.
Status RemoveAllCleaned(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::Ok();
    return Status::FromErrno("opendir " + dir, errno);
  }
  std::vector<std::string> doomed;
  std::string manifest_tmp = std::string(kCleaningName) + ".tmp";
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.find(kCleanedSuffix) != std::string_view::npos || name == manifest_tmp) {
      doomed.push_back(dir + "/" + std::string(name));
    }
  }
  ::closedir(d);
  for (const std::string& path : doomed) KLOG_RETURN_IF_ERROR(UnlinkIfPresent(path));
  return Status::Ok();
}

}  // namespace

void RemoveCleanedFiles(const std::string& dir, const std::vector<CleanGroup>& groups) {
  for (const CleanGroup& g : groups) {
    for (std::string_view suffix : kSegmentSuffixes) {
      (void)UnlinkIfPresent(CleanedPath(dir, g.base, suffix));
    }
  }
}

Status RecoverCleaning(const std::string& dir) {
  std::string path = ManifestPath(dir);
  std::string text;
  Status st = ReadWholeFile(path, &text);
  if (st.IsNotFound()) return RemoveAllCleaned(dir);
  KLOG_RETURN_IF_ERROR(st);
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  Manifest m;
  if (!DecodeManifest(*body, &m)) return Status::Corruption(path + ": malformed manifest");
  KLOG_RETURN_IF_ERROR(FinishSwap(dir, m, true, nullptr));
  return RemoveAllCleaned(dir);
}

Status CommitClean(LogWriter* w, CleanPass* pass, CleanResult* out) {
  CleanPass::Impl* p = pass->impl();
  if (p->empty()) return Status::Ok();
  if (!p->ran) return Status::InvalidArgument("commit of a clean pass that was not run");
  if (p->groups.empty()) return Status::Ok();
  const StepHook& hook = p->opts.step_hook;
  if (hook) hook("check");
  for (const CleanGroup& g : p->groups) {
    // A later plan's recovery removes the files of a pass never committed.
    for (std::string_view suffix : kSegmentSuffixes) {
      if (!PathSize(CleanedPath(p->dir, g.base, suffix)).ok()) {
        AbandonClean(pass);
        return Status::Busy(CleanedPath(p->dir, g.base, suffix) + " is gone: the pass " +
                            "changed under the cleaner");
      }
    }
    for (int64_t base : g.sources) {
      auto it = std::find_if(p->segments.begin(), p->segments.end(),
                             [&](const SourceSegment& s) { return s.base == base; });
      Result<int64_t> size = PathSize(SegmentPath(p->dir, base, kLogSuffix));
      if (!size.ok() || it == p->segments.end() || *size != it->bytes) {
        AbandonClean(pass);
        return Status::Busy("segment " + SegmentPath(p->dir, base, kLogSuffix) +
                            " changed under the cleaner");
      }
    }
  }
  Manifest m{p->map_end, p->min_horizon, p->groups};
  if (hook) hook("manifest");
  KLOG_RETURN_IF_ERROR(ReplaceFileAtomically(ManifestPath(p->dir), EncodeManifest(m), true));
  // Committed: from here on the *.cleaned files belong to the manifest (a
  // failed step is finished by recovery), never to AbandonClean.
  p->groups.clear();
  KLOG_RETURN_IF_ERROR(FinishSwap(p->dir, m, p->opts.sync, hook));
  CleanResult& s = p->stats;
  out->passes++;
  out->segments_read += s.segments_read;
  out->segments_written += s.segments_written;
  out->bytes_read += s.bytes_read;
  out->bytes_written += s.bytes_written;
  out->records_read += s.records_read;
  out->records_kept += s.records_kept;
  out->tombstones_removed += s.tombstones_removed;
  out->keyless_removed += s.keyless_removed;
  out->first_dirty = p->map_end;
  out->key_map_peak = std::max(out->key_map_peak, s.key_map_peak);
  return Status::Ok();
}

void AbandonClean(CleanPass* pass) {
  CleanPass::Impl* p = pass->impl();
  RemoveCleanedFiles(p->dir, p->groups);
  p->groups.clear();
}

}  // namespace klog
