//===- Plot.h - the pictures of crate-run --diagnostics ---------*- C++ -*-===//

#ifndef CRATE_TOOLS_CRATE_RUN_PLOT_H
#define CRATE_TOOLS_CRATE_RUN_PLOT_H

#include "Image.h"

#include <string>
#include <vector>

namespace crate::run {

/// One curve per input over the layers; `series[i][l]`.
struct Panel {
  std::string title, yLabel;
  std::vector<std::vector<double>> series;
};

/// An SVG with the panels side by side: every input's curve thin, their
/// mean bold with markers, x = layer 1..L.
std::string layerwiseSvg(const std::string &title,
                         const std::vector<Panel> &panels);

/// A grid of heatmaps: row l, column k + 1 is `maps[l][k]` (gh x gw values
/// in [0, 1]) upscaled to the size of `base` and blended over it; column 0
/// is `base` alone. Cells are separated by a white gap.
Image heatmapGrid(const Image &base,
                  const std::vector<std::vector<std::vector<float>>> &maps,
                  int gh, int gw);

} // namespace crate::run

#endif // CRATE_TOOLS_CRATE_RUN_PLOT_H
