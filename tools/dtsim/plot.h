#pragma once
/**
 * Plots (`--plot FILE.png|svg` on sweep, merge and plan), drawn by gnuplot run as a subprocess:
 * dtsim writes the gnuplot script (`gnuplot_script`, a pure function: the data inline, so the
 * script alone reproduces the figure), gnuplot draws it to its standard output, and dtsim writes
 * that atomically to the file (never a half-written file).
 *
 *     Figure f{"all-reduce", "network.chunks", "step_time_s", 0, {}, {{"algorithm=ring",
 *              {{1, 0.1}, {2, 0.08}}}}};
 *     check_gnuplot("out.svg");   // before the long work: exit 2 when gnuplot is missing
 *     render(f, "out.svg");
 *
 * Errors: ConfigError at `<--plot FILE>` (exit 2): a file name that does not end in .png or
 * .svg; gnuplot not found on PATH (it names the Debian package, gnuplot-nox); a figure with no
 * point to draw. std::runtime_error (exit 1) when gnuplot fails on the script (a dtsim bug).
 */
#include <string>
#include <utility>
#include <vector>

namespace dtsim::cli::plot {

/** One line of a figure: its legend and its (x, y) points, drawn in the order given. */
struct Series {
  std::string title;
  std::vector<std::pair<double, double>> points;
};

/** A figure: lines of y against x. With `x_labels`, x is categorical: a point's x is an index
 *  into `x_labels` (0, 1, ...), and the axis shows the labels. */
struct Figure {
  std::string title, x_label, y_label;
  int log_x_base = 0;  ///< a logarithmic x axis in this base (2: GPU counts); 0: linear
  std::vector<std::string> x_labels;
  std::vector<Series> series;
};

/** "png" or "svg" from the file name. Errors: ConfigError at `<--plot PATH>` otherwise. */
std::string plot_format(const std::string& path);

/** The gnuplot script that draws `f` as `format` ("png" or "svg") on standard output: terminal
 *  pngcairo or svg (900x600, noenhanced: names with `_` print as they are), the data as inline
 *  data blocks ($d0, $d1, ...), one `linespoints` line per series; numbers with 17 significant
 *  digits; more than 6 category labels are slanted. Errors: none (an empty series is drawn as no
 *  line). */
std::string gnuplot_script(const Figure& f, const std::string& format);

/** The gnuplot executable on PATH, or "" when there is none. */
std::string find_gnuplot();

/** Refuses `--plot PATH` early (before the work it plots): a bad extension, no gnuplot on PATH,
 *  or a file that cannot be written. Errors: ConfigError at `<--plot PATH>`. */
void check_gnuplot(const std::string& path);

/** Draws `f` into `path` (atomically: written whole or not at all). Errors: ConfigError as for
 *  check_gnuplot, or when no series has a point; std::runtime_error with gnuplot's first line of
 *  error output when gnuplot fails. */
void render(const Figure& f, const std::string& path);

}  // namespace dtsim::cli::plot
