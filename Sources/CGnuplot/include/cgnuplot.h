// A plain C interface to gnuplot-iostream, so that Swift can render figures without seeing C++ or Boost.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// One data block of a `plot` command: `n_rows` rows of `n_cols` doubles, row-major, sent to gnuplot
/// in binary. `clause` is what follows the data source in the plot command, for example
/// "using 1:2 with lines lw 2 title 'train'".
typedef struct cgp_series {
    const double *data;
    int n_rows;
    int n_cols;
    const char *clause;
} cgp_series;

/// Renders one figure: runs `gnuplot_path` (a path, or a name looked up on PATH) and sends it `prologue`
/// (one or more lines that select a PNG terminal and set labels and axes), then `set output` for
/// `png_path`, then one `plot` command with one binary data block per series.
///
/// Returns 0 when `png_path` holds a PNG afterwards. Otherwise returns nonzero and writes a message
/// (gnuplot's own complaint when it gave one) into `err_buf` (always NUL-terminated when `err_len > 0`).
/// Never throws, never raises SIGPIPE; calls are serialised.
int cgp_render(const char *gnuplot_path, const char *prologue, const cgp_series *series, int n_series,
               const char *png_path, char *err_buf, int err_len);

#ifdef __cplusplus
}
#endif
