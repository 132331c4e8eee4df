// The C API of cgnuplot.h on top of gnuplot-iostream. gnuplot-iostream never reports failure (a missing
// gnuplot or a bad output path still "succeeds"), so this file adds the checks: the executable must
// exist, gnuplot's stderr and exit status are captured in temp files, and the output must start with
// the PNG signature.
#include "cgnuplot.h"

#include <gnuplot-iostream.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

struct RenderError {
    std::string message;
};

/// Quotes `text` for /bin/sh: 'a'\''b'.
std::string shellQuote(const std::string &text) {
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'') quoted += "'\\''";
        else quoted += c;
    }
    return quoted + "'";
}

/// Quotes `text` for a gnuplot single-quoted string, where ' is written ''.
std::string gnuplotQuote(const std::string &text) {
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'') quoted += "''";
        else quoted += c;
    }
    return quoted + "'";
}

bool isExecutableFile(const std::string &path) {
    struct stat info;
    return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

/// The executable's path: `name` itself when it contains a '/', else the first match on PATH.
std::string resolveExecutable(const std::string &name) {
    if (name.empty()) throw RenderError{"no gnuplot executable given"};
    if (name.find('/') != std::string::npos) {
        if (isExecutableFile(name)) return name;
        throw RenderError{"gnuplot executable not found: " + name + " (install gnuplot-nox, or pass its path)"};
    }
    const char *path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (isExecutableFile(candidate)) return candidate;
    }
    throw RenderError{"gnuplot executable not found on PATH: " + name + " (install gnuplot-nox, or pass its path)"};
}

/// A temporary file that is removed when this goes out of scope.
struct TempFile {
    std::string path;
    explicit TempFile(const char *stem) {
        const char *dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir && dir[0] ? dir : "/tmp") + "/" + stem + "-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        int fd = mkstemp(buffer.data());
        if (fd < 0) throw RenderError{"cannot create a temporary file " + pattern + ": " + std::strerror(errno)};
        close(fd);
        path = buffer.data();
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
};

/// Ignores SIGPIPE while alive, so that writing to a gnuplot that died cannot kill the process.
struct IgnoreSigpipe {
    struct sigaction saved;
    IgnoreSigpipe() {
        struct sigaction ignore;
        std::memset(&ignore, 0, sizeof ignore);
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGPIPE, &ignore, &saved);
    }
    ~IgnoreSigpipe() { sigaction(SIGPIPE, &saved, nullptr); }
};

bool hasPngSignature(const std::string &path) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    std::FILE *file = std::fopen(path.c_str(), "rb");
    if (!file) return false;
    size_t n = std::fread(head, 1, 8, file);
    std::fclose(file);
    return n == 8 && std::memcmp(head, signature, 8) == 0;
}

std::string trimmed(const std::string &text) {
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    size_t last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

void render(const char *gnuplotPath, const char *prologue, const cgp_series *series, int nSeries,
            const char *pngPath) {
    if (!pngPath || !pngPath[0]) throw RenderError{"no output path given"};
    if (nSeries <= 0 || !series) throw RenderError{"a figure needs at least one series"};
    std::vector<std::vector<std::vector<double>>> blocks(nSeries);
    for (int s = 0; s < nSeries; ++s) {
        const cgp_series &one = series[s];
        if (one.n_rows <= 0 || one.n_cols <= 0 || !one.data)
            throw RenderError{"series " + std::to_string(s + 1) + " has no data"};
        blocks[s].resize(one.n_rows);
        for (int r = 0; r < one.n_rows; ++r)
            blocks[s][r].assign(one.data + size_t(r) * one.n_cols, one.data + size_t(r + 1) * one.n_cols);
    }

    std::string executable = resolveExecutable(gnuplotPath ? gnuplotPath : "gnuplot");
    TempFile stderrFile("cgnuplot-stderr");
    TempFile statusFile("cgnuplot-status");
    std::string command = shellQuote(executable) + " >/dev/null 2>" + shellQuote(stderrFile.path) +
                          "; echo $? >" + shellQuote(statusFile.path);

    unlink(pngPath);  // a stale PNG must not pass for a new one
    {
        IgnoreSigpipe guard;
        gnuplotio::Gnuplot gp(command);
        if (prologue) gp << prologue << "\n";
        gp << "set output " << gnuplotQuote(pngPath) << "\n";
        gp << "plot ";
        for (int s = 0; s < nSeries; ++s) {
            gp << (s ? ", " : "") << "'-' binary" << gp.binFmt1d(blocks[s], "record")
               << (series[s].clause ? series[s].clause : "");
        }
        gp << "\n";
        for (int s = 0; s < nSeries; ++s) gp.sendBinary1d(blocks[s]);
        gp << "unset output\n";
        gp << "exit\n";
    }  // ~Gnuplot flushes and pclose()s, which waits for gnuplot to finish.

    std::string complaint = trimmed(stderrFile.read());
    std::string status = trimmed(statusFile.read());
    bool exitedCleanly = status == "0";
    if (exitedCleanly && hasPngSignature(pngPath)) return;
    std::string message = "gnuplot did not write a PNG";
    if (!status.empty() && !exitedCleanly) message += " (exit status " + status + ")";
    message += complaint.empty() ? "" : ": " + complaint;
    if (!exitedCleanly) unlink(pngPath);  // may be empty or partial
    throw RenderError{message};
}

std::mutex renderLock;

}  // namespace

extern "C" int cgp_render(const char *gnuplot_path, const char *prologue, const cgp_series *series,
                          int n_series, const char *png_path, char *err_buf, int err_len) {
    std::string message;
    try {
        std::lock_guard<std::mutex> lock(renderLock);
        render(gnuplot_path, prologue, series, n_series, png_path);
        return 0;
    } catch (const RenderError &error) {
        message = error.message;
    } catch (const std::exception &error) {
        message = std::string("gnuplot failed: ") + error.what();
    } catch (...) {
        message = "gnuplot failed with an unknown error";
    }
    if (err_buf && err_len > 0) {
        std::snprintf(err_buf, size_t(err_len), "%s", message.c_str());
    }
    return 1;
}
