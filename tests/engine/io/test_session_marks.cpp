// Selections and bookmarks in the session file: a round trip through the file on disk keeps every
// field, rows come back as sets, and every malformed or out-of-range entry is a DataError naming
// the key and the entry (a session edited by hand, or damaged, must not take the explorer down).
#include <QtTest>

#include "engine/io/session_file.h"
#include "engine/io/session_marks.h"

using namespace embedscope;
using namespace embedscope::io;

class TestSessionMarks : public QObject {
  Q_OBJECT
 private slots:
  void roundTripThroughTheFile() {
    SessionFile s;
    QVERIFY(writeSelections(s, {{kCurrentSelection, {42, 3, 17, 3}}, {"animals \xc3\xa9", {}}, {"verbs", {0, 9}}}).isOk());
    SessionBookmark b;
    b.name = "clusters after epoch 3";
    b.projection = "umap";
    b.colorBy = "cluster";
    b.labelBy = "token";
    b.view = {2.5, -0.125, 0.1, 0.4, -0.3, true};
    b.selection = {5, 1, 5};
    b.timelineIndex = 3;
    SessionBookmark plain;
    plain.name = "start";
    QVERIFY(writeBookmarks(s, {b, plain}).isOk());
    QTemporaryDir dir;
    const std::string p = dir.filePath("run.embscope").toStdString();
    QVERIFY(writeSessionFile(p, s).isOk());
    auto back = readSessionFile(p);
    QVERIFY2(back.isOk(), back.status().message().c_str());

    auto sel = readSelections(*back, 50);
    QVERIFY2(sel.isOk(), sel.status().message().c_str());
    QCOMPARE(sel->size(), std::size_t(3));
    QCOMPARE((*sel)[0].name, std::string("current"));
    QCOMPARE((*sel)[0].rows, (std::vector<std::int64_t>{3, 17, 42}));  // a set: sorted, no repeats
    QCOMPARE((*sel)[1].name, std::string("animals \xc3\xa9"));
    QVERIFY((*sel)[1].rows.empty());
    QCOMPARE((*sel)[2].rows, (std::vector<std::int64_t>{0, 9}));

    auto bm = readBookmarks(*back, 50);
    QVERIFY2(bm.isOk(), bm.status().message().c_str());
    QCOMPARE(bm->size(), std::size_t(2));
    const SessionBookmark& r = (*bm)[0];
    QCOMPARE(r.name, b.name);
    QCOMPARE(r.projection, std::string("umap"));
    QCOMPARE(r.colorBy, std::string("cluster"));
    QCOMPARE(r.labelBy, std::string("token"));
    QCOMPARE(r.view.zoom, 2.5);
    QCOMPARE(r.view.centerX, -0.125);
    QCOMPARE(r.view.centerY, 0.1);  // shortest round-trip text: exact
    QCOMPARE(r.view.yaw, 0.4);
    QCOMPARE(r.view.pitch, -0.3);
    QCOMPARE(r.view.threeD, true);
    QCOMPARE(r.selection, (std::vector<std::int64_t>{1, 5}));
    QCOMPARE(r.timelineIndex, std::int64_t(3));
    QCOMPARE((*bm)[1].timelineIndex, std::int64_t(-1));
    QCOMPARE((*bm)[1].view.zoom, 1.0);
    QCOMPARE((*bm)[1].view.threeD, false);

    // Rows are checked against the table they belong to.
    auto tooSmall = readSelections(*back, 40);
    QVERIFY(!tooSmall.isOk());
    QVERIFY2(tooSmall.status().message().find("row 42 is past the table's 40 rows") != std::string::npos,
             tooSmall.status().message().c_str());
  }

  void absentIsEmptyAndEmptyRemoves() {
    SessionFile s;
    QVERIFY(readSelections(s)->empty());
    QVERIFY(readBookmarks(s)->empty());
    QVERIFY(writeSelections(s, {{"a", {1}}}).isOk());
    QVERIFY(s.has(session_keys::kSelections));
    QVERIFY(writeSelections(s, {}).isOk());
    QVERIFY(!s.has(session_keys::kSelections));
  }

  void badInputToWriteIsRefused() {
    SessionFile s;
    QCOMPARE(writeSelections(s, {{"a", {-1}}}).code(), StatusCode::InvalidArgument);
    QCOMPARE(writeSelections(s, {{"\xff", {1}}}).code(), StatusCode::InvalidArgument);
    SessionBookmark b;
    b.name = "x";
    b.view.zoom = std::nan("");
    QCOMPARE(writeBookmarks(s, {b}).code(), StatusCode::InvalidArgument);
    QVERIFY(!s.has(session_keys::kSelections) && !s.has(session_keys::kBookmarks));  // nothing half-written
  }

  void malformedEntriesAreDataErrors_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("not JSON") << "selections" << "{\"version\": 1," << "session 'selections'";
    QTest::newRow("wrong version") << "selections" << R"({"version": 2, "selections": []})" << "version 2";
    QTest::newRow("no list") << "bookmarks" << R"({"version": 1})" << "'bookmarks' is not a list";
    QTest::newRow("entry not object") << "selections" << R"({"version": 1, "selections": [3]})" << "entry 0: not an object";
    QTest::newRow("no name") << "selections" << R"({"version": 1, "selections": [{"rows": []}]})" << "'name' is missing";
    QTest::newRow("fractional row") << "selections" << R"({"version": 1, "selections": [{"name": "a", "rows": [1.5]}]})"
                                    << "row 0 is 1.5";
    QTest::newRow("negative row") << "selections" << R"({"version": 1, "selections": [{"name": "a", "rows": [-2]}]})"
                                  << "not a row number";
    QTest::newRow("huge row") << "selections" << R"({"version": 1, "selections": [{"name": "a", "rows": [1e300]}]})"
                              << "not a row number";
    QTest::newRow("view not object") << "bookmarks" << R"({"version": 1, "bookmarks": [{"name": "b", "view": 1}]})"
                                     << "'view' is not an object";
    QTest::newRow("zoom a string") << "bookmarks" << R"({"version": 1, "bookmarks": [{"name": "b", "view": {"zoom": "2"}}]})"
                                   << "'zoom' is not a number";
    QTest::newRow("three_d not bool") << "bookmarks"
                                      << R"({"version": 1, "bookmarks": [{"name": "b", "view": {"three_d": 1}}]})"
                                      << "'three_d' is not true/false";
    QTest::newRow("timeline -2") << "bookmarks" << R"({"version": 1, "bookmarks": [{"name": "b", "timeline_index": -2}]})"
                                 << "'timeline_index' is -2";
    QTest::newRow("bookmark row past table") << "bookmarks"
                                             << R"({"version": 1, "bookmarks": [{"name": "b", "selection": [10]}]})"
                                             << "row 10 is past the table's 10 rows";
  }
  void malformedEntriesAreDataErrors() {
    QFETCH(QString, key);
    QFETCH(QString, json);
    QFETCH(QString, message);
    SessionFile s;
    s.setText(key.toStdString(), json.toStdString());
    const Status st = key == "selections" ? readSelections(s, 10).status() : readBookmarks(s, 10).status();
    QCOMPARE(st.code(), StatusCode::DataError);
    QVERIFY2(st.message().find(message.toStdString()) != std::string::npos, st.message().c_str());
  }
};

QTEST_APPLESS_MAIN(TestSessionMarks)
#include "test_session_marks.moc"
