// A table past lavapipe's 128 MiB storage-buffer range (600,000 x 64 floats) trains a few SGD
// steps on the Vulkan engine and ends equal to the CPU engine.
#include <QtTest>

#include "tests/support/vulkan_test_main.h"
#include "tests/vulkan/sharded_training_case.h"

class TestShardedTraining : public QObject {
  Q_OBJECT
 private slots:
  void sgd() { embedscope::testing::runShardedSgd(600000); }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestShardedTraining)
#include "test_sharded_training.moc"
