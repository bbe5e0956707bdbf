#include "ui/controllers/projection_controller.h"

#include <exception>

namespace embedscope::ui {

void ProjectionWorker::project(const SnapshotPtr& snapshot, const ProjectionRequest& req, int generation) {
  if (generation != m_latest->load()) {
    emit done({}, nullptr, generation);  // superseded before it started
    return;
  }
  ProjectionResult r;
  try {
    r = computeProjection(snapshot->table, req);
  } catch (const std::exception& e) {
    r.error = QString("Projection failed: %1").arg(e.what());
  } catch (...) {
    r.error = "Projection failed.";
  }
  emit done(r, snapshot, generation);
}

ProjectionController::ProjectionController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ProjectionRequest>();
  qRegisterMetaType<ProjectionResult>();
  qRegisterMetaType<SnapshotPtr>();
  m_thread.setObjectName("embedscope-analysis");
  m_worker = new ProjectionWorker(m_latest);
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &ProjectionWorker::done, this,
          [this](const ProjectionResult& r, const SnapshotPtr& s, int generation) {
            m_pending = std::max(0, m_pending - 1);
            if (generation != m_latest->load() || !s) return;
            if (r.error == "cancelled") return;
            emit projected(r, s, m_lastReq);
          });
  m_thread.start();
}

ProjectionController::~ProjectionController() {
  m_latest->store(-1);
  m_running.cancel();
  m_thread.quit();
  m_thread.wait();
}

void ProjectionController::request(const SnapshotPtr& snapshot, ProjectionRequest req, bool restart) {
  if (!snapshot) return;
  if (restart) m_running.cancel();
  m_running = CancelToken();
  req.cancel = m_running;
  const int generation = m_latest->fetch_add(1) + 1;
  m_lastReq = req;
  ++m_pending;
  QMetaObject::invokeMethod(m_worker, "project", Qt::QueuedConnection, Q_ARG(embedscope::ui::SnapshotPtr, snapshot),
                            Q_ARG(embedscope::ui::ProjectionRequest, req), Q_ARG(int, generation));
}

}  // namespace embedscope::ui
