#pragma once
// `embedscope --benchmark-ui [--seconds S] [--points N]`: the GUI's figures as JSON on stdout.
//   redraw: full re-render of an N-point projection (default 100,000) in a 1600x1000 canvas,
//           offscreen, median and p90 over 30 frames;
//   stall:  a 5 ms heartbeat timer on the GUI thread while the demo trains (play) and the view
//           projects each snapshot; the gaps beyond 5 ms are the stalls, p50 / p99 / max.
namespace embedscope::ui {
int runUiBenchmark(int argc, char** argv);
}
