// A table past lavapipe's 128 MiB storage-buffer range (2,000,000 x 64 floats) trains a few SGD
// steps on the Vulkan engine and ends equal to the CPU engine.
#include <QtTest>

#include "tests/support/vulkan_test_main.h"
#include "tests/vulkan/sharded_training_case.h"

class TestShardedTrainingSlow : public QObject {
  Q_OBJECT
 private slots:
  void sgd() { embedscope::testing::runShardedSgd(2000000); }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestShardedTrainingSlow)
#include "test_sharded_training_slow.moc"
