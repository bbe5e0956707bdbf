// The Layer panel: the summary Keras prints, Keras's validation messages inline (Train disabled),
// undo of configuration edits, and the generated Keras scripts.
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QTemporaryFile>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <QUndoStack>

#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/panels/layer_panel.h"

using namespace embedscope::ui;

class TestLayerPanel : public QObject {
  Q_OBJECT
 private:
  static void typeInto(QLineEdit* e, const QString& text) {
    e->setFocus();
    e->selectAll();
    QTest::keyClick(e, Qt::Key_Backspace);
    QTest::keyClicks(e, text);
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    initResources();
  }

  void summaryOfTheKerasExample() {
    MainWindow w;
    w.show();
    auto* panel = w.findChild<LayerPanel*>("layerPanel");
    QVERIFY(panel);
    typeInto(w.findChild<QLineEdit*>("field_input_dim"), "1000");
    typeInto(w.findChild<QLineEdit*>("field_output_dim"), "64");
    typeInto(w.findChild<QLineEdit*>("field_input_length"), "10");
    const QString summary = w.findChild<QPlainTextEdit*>("modelSummary")->toPlainText();
    QVERIFY2(summary.contains("embedding (Embedding)"), qPrintable(summary));
    QVERIFY2(summary.contains("(None, 10, 64)"), qPrintable(summary));
    QVERIFY2(summary.contains("64,000"), qPrintable(summary));
    QVERIFY2(summary.contains("Total params: 64,000 (250.00 KB)"), qPrintable(summary));
    QVERIFY2(summary.contains("Non-trainable params: 0 (0.00 B)"), qPrintable(summary));
    // A None sequence length is Keras's (None, None, 64).
    typeInto(w.findChild<QLineEdit*>("field_input_length"), "");
    QVERIFY(w.findChild<QPlainTextEdit*>("modelSummary")->toPlainText().contains("(None, None, 64)"));
    // LoRA freezes the table and trains A and B.
    typeInto(w.findChild<QLineEdit*>("field_lora_rank"), "4");
    QVERIFY(w.findChild<QPlainTextEdit*>("modelSummary")->toPlainText().contains("Trainable params: 4,256"));
  }

  void invalidValueShowsKerasMessage_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("input_dim zero") << "input_dim" << "0"
                                    << "`input_dim` must be a positive integer. Received: input_dim=0 (of type int).";
    QTest::newRow("input_dim negative") << "input_dim" << "-1"
                                        << "`input_dim` must be a positive integer. Received: input_dim=-1 (of type int).";
    QTest::newRow("input_dim float") << "input_dim" << "3.7"
                                     << "`input_dim` must be a positive integer. Received: input_dim=3.7 (of type float).";
    QTest::newRow("output_dim float 4.0") << "output_dim" << "4.0"
                                          << "`output_dim` must be a positive integer. Received: output_dim=4.0 (of type float).";
    QTest::newRow("output_dim text") << "output_dim" << "abc"
                                     << "`output_dim` must be a positive integer. Received: output_dim=abc (of type str).";
    QTest::newRow("output_dim empty") << "output_dim" << ""
                                      << "`output_dim` must be a positive integer. Received: output_dim=None (of type NoneType).";
    QTest::newRow("input_length negative") << "input_length" << "-3"
                                           << "Cannot convert '(-3,)' to a shape. Negative dimensions are not allowed.";
  }

  void invalidValueShowsKerasMessage() {
    QFETCH(QString, field);
    QFETCH(QString, text);
    QFETCH(QString, message);
    MainWindow w;
    w.show();
    auto* play = w.findChild<QPushButton*>("playButton");
    QVERIFY(play);
    QVERIFY(play->isEnabled());
    typeInto(w.findChild<QLineEdit*>("field_" + field), text);
    auto* err = w.findChild<QLabel*>("error_" + field);
    QVERIFY(err);
    QTRY_VERIFY(err->isVisible());
    QCOMPARE(err->text(), message);
    QVERIFY(!play->isEnabled());
    QVERIFY(!w.findChild<QPushButton*>("stepButton")->isEnabled());
    // Fixing the value clears the message and enables Train again.
    typeInto(w.findChild<QLineEdit*>("field_" + field), "12");
    QTRY_VERIFY(!err->isVisible());
    QVERIFY(play->isEnabled());
  }

  void loraWithConstraintIsRejected() {
    LayerSettings s;
    s.loraRank = "4";
    s.embeddingsConstraint = "UnitNorm";
    const auto issues = validateLayerSettings(s);
    QCOMPARE(issues.size(), 1);
    QVERIFY(issues[0].message.startsWith("Lora is incompatible with embedding constraints."));
  }

  void undoAConfigurationEdit() {
    MainWindow w;
    w.show();
    auto* out = w.findChild<QLineEdit*>("field_output_dim");
    const QString before = out->text();
    typeInto(out, "32");
    QCOMPARE(w.layerPanel()->settings().outputDim, QString("32"));
    QVERIFY(w.findChild<QPlainTextEdit*>("modelSummary")->toPlainText().contains(", 32)"));
    // Typing is merged into one step per field, as in any editor.
    w.undoStack()->undo();
    QCOMPARE(out->text(), before);
    QCOMPARE(w.layerPanel()->settings().outputDim, before);
    QVERIFY(w.findChild<QPlainTextEdit*>("modelSummary")->toPlainText().contains(", " + before + ")"));
    w.undoStack()->redo();
    QCOMPARE(out->text(), QString("32"));
  }

  void copyAsKerasCode() {
    MainWindow w;
    w.show();
    QTest::mouseClick(w.findChild<QPushButton*>("copyKerasCode"), Qt::LeftButton);
    const QString code = QApplication::clipboard()->text();
    QVERIFY2(code.contains("layers.Embedding("), qPrintable(code));
    QVERIFY(code.contains("input_dim=" + w.layerPanel()->settings().inputDim));
    QVERIFY(code.contains("model.compile(optimizer=keras.optimizers."));
    QVERIFY(code.contains("model.fit("));
    QTest::mouseClick(w.findChild<QPushButton*>("copyDistributedCode"), Qt::LeftButton);
    const QString dist = QApplication::clipboard()->text();
    QVERIFY(dist.contains("keras.distribution.ModelParallel(layout_map=layout_map"));
    QVERIFY(dist.contains("layout_map[\"embedding/embeddings\"] = (\"model\", None)"));
  }

  void generatedScriptIsPython() {
    // The script must at least compile as Python (Keras itself may not be installed here).
    const QString code = kerasScript(LayerSettings{}, TaskSettings{});
    QTemporaryFile f;
    QVERIFY(f.open());
    f.write(code.toUtf8());
    f.flush();
    QProcess py;
    py.start(EMBEDSCOPE_PYTHON, {"-c", "import sys,ast; ast.parse(open(sys.argv[1]).read())", f.fileName()});
    QVERIFY(py.waitForFinished(20000));
    QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
  }
};

QTEST_MAIN(TestLayerPanel)
#include "test_layer_panel.moc"
