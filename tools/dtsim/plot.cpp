#include "tools/dtsim/plot.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "simcore/error.h"
#include "tools/dtsim/output_file.h"

extern char** environ;

namespace dtsim::cli::plot {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

SourceLocation at(const std::string& path) { return SourceLocation{"<--plot " + path + ">", 0, 0}; }

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/** A gnuplot single-quoted string: only ' is special (written twice). */
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "''";
    else if (c == '\n')
      q += ' ';
    else
      q += c;
  }
  return q + "'";
}

/** Removes a file when it goes out of scope. */
struct TempFile {
  std::string path;
  int fd = -1;
  explicit TempFile(const char* stem) {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = fmt::format("{}/dtsim-{}.XXXXXX", dir && *dir ? dir : "/tmp", stem);
    fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("cannot create a temporary file for gnuplot in " + tmpl);
    path = tmpl;
  }
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    ::unlink(path.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  // gnuplot prints the offending line, a caret, then the message: the last non-empty line.
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t^") != std::string::npos) last = line;
  return last;
}

}  // namespace

std::string plot_format(const std::string& path) {
  if (ends_with(path, ".png")) return "png";
  if (ends_with(path, ".svg")) return "svg";
  throw ConfigError(at(path), "expected a file name ending in .png or .svg; got \"" + path + "\"");
}

std::string gnuplot_script(const Figure& f, const std::string& format) {
  std::ostringstream s;
  s << "# dtsim: " << f.title << "\n";
  if (format == "png")
    s << "set terminal pngcairo size 900,600 noenhanced\n";
  else
    s << "set terminal svg size 900,600 dynamic noenhanced\n";
  s << "set title " << quoted(f.title) << "\n";
  s << "set xlabel " << quoted(f.x_label) << "\n";
  s << "set ylabel " << quoted(f.y_label) << "\n";
  s << "set grid\nset key below\n";
  if (f.log_x_base > 1) s << "set logscale x " << f.log_x_base << "\n";
  if (!f.x_labels.empty()) {
    s << "set xtics (";
    for (size_t i = 0; i < f.x_labels.size(); ++i)
      s << (i ? ", " : "") << quoted(f.x_labels[i]) << " " << i;
    s << ")" << (f.x_labels.size() > 6 ? " rotate by -30" : "") << "\n";
    s << fmt::format("set xrange [-0.5:{}.5]\n", f.x_labels.size() - 1);
  }
  for (size_t i = 0; i < f.series.size(); ++i) {
    s << "$d" << i << " << EOD\n";
    for (const auto& [x, y] : f.series[i].points) s << fmt::format("{:.17g} {:.17g}\n", x, y);
    s << "EOD\n";
  }
  s << "plot";
  bool first = true;
  for (size_t i = 0; i < f.series.size(); ++i) {
    if (f.series[i].points.empty()) continue;
    s << (first ? " " : ", \\\n     ") << "$d" << i << " using 1:2 with linespoints title "
      << quoted(f.series[i].title);
    first = false;
  }
  s << "\n";
  return s.str();
}

std::string find_gnuplot() {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string exe = (dir.empty() ? std::string(".") : dir) + "/gnuplot";
    if (::access(exe.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(exe)) return exe;
  }
  return "";
}

void check_gnuplot(const std::string& path) {
  plot_format(path);
  if (find_gnuplot().empty())
    throw ConfigError(at(path),
                      "gnuplot is not installed (no gnuplot on PATH): install the Debian package "
                      "gnuplot-nox (apt-get install gnuplot-nox), or leave out --plot");
  try {
    check_writable(path, "the plot");
  } catch (const ConfigError& e) {
    throw ConfigError(at(path), e.message());
  }
}

void render(const Figure& f, const std::string& path) {
  check_gnuplot(path);
  bool any = false;
  for (const auto& s : f.series) any = any || !s.points.empty();
  if (!any)
    throw ConfigError(at(path),
                      fmt::format("nothing to plot: no row has a value of {}", f.y_label));
  const std::string exe = find_gnuplot();
  TempFile script("plot.gp"), errors("plot.err");
  const std::string text = gnuplot_script(f, plot_format(path));
  if (::write(script.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw std::runtime_error("cannot write the gnuplot script to " + script.path);

  write_atomically(path, [&](std::ostream& os) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("cannot create a pipe for gnuplot");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, errors.fd, STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::string arg0 = exe, arg1 = script.path;
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error(fmt::format("cannot run {}: error {}", exe, rc));
    }
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n > 0) {
        os.write(buf, n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error(fmt::format("gnuplot failed on the script dtsim wrote ({}): {}",
                                           path, first_line(errors.path)));
  });
}

}  // namespace dtsim::cli::plot
