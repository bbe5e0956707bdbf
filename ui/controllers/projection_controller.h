#pragma once
// Runs projections on the analysis thread. A newer request supersedes an older one: the worker
// skips requests that are already stale when it reaches them, and the controller drops results
// whose generation is not the latest.
#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>

#include "ui/training/training_types.h"
#include "ui/views/projection.h"

namespace embedscope::ui {

class ProjectionWorker : public QObject {
  Q_OBJECT
 public:
  explicit ProjectionWorker(std::shared_ptr<std::atomic<int>> latest) : m_latest(std::move(latest)) {}
 public slots:
  void project(const embedscope::ui::SnapshotPtr& snapshot, const embedscope::ui::ProjectionRequest& req, int generation);
 signals:
  void done(const embedscope::ui::ProjectionResult& result, const embedscope::ui::SnapshotPtr& snapshot, int generation);

 private:
  std::shared_ptr<std::atomic<int>> m_latest;
};

class ProjectionController : public QObject {
  Q_OBJECT
 public:
  explicit ProjectionController(QObject* parent = nullptr);
  ~ProjectionController() override;
  // Queues a projection; queued requests that are stale when reached are skipped. A running job
  // finishes (live updates) unless `restart`, which cancels it (the user changed the method).
  void request(const SnapshotPtr& snapshot, ProjectionRequest req, bool restart = false);
  bool busy() const { return m_pending > 0; }

 signals:
  void projected(const embedscope::ui::ProjectionResult& result, const embedscope::ui::SnapshotPtr& snapshot,
                 const embedscope::ui::ProjectionRequest& req);

 private:
  QThread m_thread;
  ProjectionWorker* m_worker;
  std::shared_ptr<std::atomic<int>> m_latest = std::make_shared<std::atomic<int>>(0);
  ProjectionRequest m_lastReq;
  CancelToken m_running;
  int m_pending = 0;
};

}  // namespace embedscope::ui

Q_DECLARE_METATYPE(embedscope::ui::ProjectionRequest)
Q_DECLARE_METATYPE(embedscope::ui::ProjectionResult)
