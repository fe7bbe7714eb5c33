//===- Plot.cpp - layer-wise SVG plots and attention heatmaps -------------===//

#include "Plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace crate::run {

namespace {

std::string fmt(double v, const char *spec = "%.1f") {
  char buf[64];
  std::snprintf(buf, sizeof(buf), spec, v);
  return buf;
}

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

/// A step of 1, 2 or 5 times a power of ten giving about `count` ticks.
double niceStep(double range, int count) {
  double raw = range / count;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw)
      return m * mag;
  return 10 * mag;
}

const char *kMeanColours[] = {"#08519c", "#a63603", "#006d2c", "#54278f"};
const char *kThinColours[] = {"#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc"};

} // namespace

std::string layerwiseSvg(const std::string &title,
                         const std::vector<Panel> &panels) {
  const double pw = 420, ph = 320, left = 72, right = 18, top = 56,
               bottom = 52;
  const double width = pw * panels.size(), height = ph + 30;
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
     << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
     << height << "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"" << width / 2 << "\" y=\"20\" text-anchor=\"middle\" "
        "font-size=\"15\" font-weight=\"bold\">"
     << escape(title) << "</text>\n";
  for (size_t p = 0; p < panels.size(); ++p) {
    const Panel &panel = panels[p];
    double x0 = p * pw + left, x1 = (p + 1) * pw - right, y0 = top,
           y1 = ph - bottom + top - 24;
    size_t layers = panel.series.empty() ? 0 : panel.series[0].size();
    double lo = INFINITY, hi = -INFINITY;
    for (const auto &s : panel.series)
      for (double v : s)
        if (std::isfinite(v)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
    if (!std::isfinite(lo)) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
      lo -= 0.5 * std::max(1e-3, std::fabs(lo));
      hi += 0.5 * std::max(1e-3, std::fabs(hi));
    }
    double step = niceStep(hi - lo, 5);
    lo = std::floor(lo / step) * step;
    hi = std::ceil(hi / step) * step;
    auto X = [&](double layer) {
      return layers <= 1 ? (x0 + x1) / 2
                         : x0 + (layer - 1) / double(layers - 1) * (x1 - x0);
    };
    auto Y = [&](double v) { return y1 - (v - lo) / (hi - lo) * (y1 - y0); };
    os << "<g class=\"panel\" id=\"panel" << p << "\">\n"
       << "<text x=\"" << (x0 + x1) / 2 << "\" y=\"" << top - 12
       << "\" text-anchor=\"middle\" font-size=\"13\">" << escape(panel.title)
       << "</text>\n"
       << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\"" << x1 - x0
       << "\" height=\"" << y1 - y0
       << "\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n";
    // y grid and ticks.
    int digits = std::max(0, -static_cast<int>(std::floor(std::log10(step))));
    std::string spec = "%." + std::to_string(digits) + "f";
    for (double v = lo; v <= hi + step / 2; v += step) {
      os << "<line x1=\"" << x0 << "\" x2=\"" << x1 << "\" y1=\"" << fmt(Y(v))
         << "\" y2=\"" << fmt(Y(v)) << "\" stroke=\"#ddd\"/>\n"
         << "<text x=\"" << x0 - 6 << "\" y=\"" << fmt(Y(v) + 4)
         << "\" text-anchor=\"end\" font-size=\"11\">"
         << fmt(std::fabs(v) < step / 2 ? 0.0 : v, spec.c_str()) << "</text>\n";
    }
    // x ticks: every layer, or every few for deep models.
    size_t every = std::max<size_t>(1, (layers + 11) / 12);
    for (size_t l = 1; l <= layers; l += every)
      os << "<text x=\"" << fmt(X(l)) << "\" y=\"" << y1 + 16
         << "\" text-anchor=\"middle\" font-size=\"11\">" << l << "</text>\n";
    os << "<text x=\"" << (x0 + x1) / 2 << "\" y=\"" << y1 + 36
       << "\" text-anchor=\"middle\" font-size=\"12\">layer</text>\n"
       << "<text transform=\"translate(" << p * pw + 16 << " "
       << (y0 + y1) / 2 << ") rotate(-90)\" text-anchor=\"middle\" "
          "font-size=\"12\">"
       << escape(panel.yLabel) << "</text>\n";
    auto polyline = [&](const std::vector<double> &s, const char *colour,
                        double strokeWidth, double opacity,
                        const char *cls) {
      os << "<polyline class=\"" << cls << "\" fill=\"none\" stroke=\""
         << colour << "\" stroke-width=\"" << strokeWidth
         << "\" stroke-opacity=\"" << opacity << "\" points=\"";
      for (size_t l = 0; l < s.size(); ++l)
        os << (l ? " " : "") << fmt(X(l + 1)) << "," << fmt(Y(s[l]));
      os << "\"/>\n";
    };
    for (const auto &s : panel.series)
      if (panel.series.size() > 1)
        polyline(s, kThinColours[p % 4], 1, 0.5, "input");
    std::vector<double> mean(layers, 0.0);
    for (const auto &s : panel.series)
      for (size_t l = 0; l < layers; ++l)
        mean[l] += s[l] / panel.series.size();
    polyline(mean, kMeanColours[p % 4], 2.5, 1, "mean");
    for (size_t l = 0; l < layers; ++l)
      os << "<circle cx=\"" << fmt(X(l + 1)) << "\" cy=\"" << fmt(Y(mean[l]))
         << "\" r=\"3.5\" fill=\"" << kMeanColours[p % 4] << "\"/>\n";
    if (panel.series.size() > 1)
      os << "<text x=\"" << x1 - 4 << "\" y=\"" << y0 + 14
         << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#444\">mean of "
         << panel.series.size() << " inputs (thin: each)</text>\n";
    os << "</g>\n";
  }
  os << "</svg>\n";
  return os.str();
}

namespace {
/// A perceptual blue-green-yellow ramp (after viridis), t in [0, 1].
void ramp(float t, uint8_t rgb[3]) {
  static const float stops[5][3] = {{68, 1, 84},
                                    {59, 82, 139},
                                    {33, 145, 140},
                                    {94, 201, 98},
                                    {253, 231, 37}};
  t = std::clamp(t, 0.0f, 1.0f) * 4;
  int i = std::min(3, static_cast<int>(t));
  float f = t - i;
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<uint8_t>(
        std::lround(stops[i][c] * (1 - f) + stops[i + 1][c] * f));
}
} // namespace

Image heatmapGrid(const Image &base,
                  const std::vector<std::vector<std::vector<float>>> &maps,
                  int gh, int gw) {
  const int gap = 4, cw = base.width, ch = base.height;
  int rows = static_cast<int>(maps.size());
  int cols = rows ? static_cast<int>(maps[0].size()) + 1 : 1;
  Image out;
  out.channels = 3;
  out.width = cols * cw + (cols + 1) * gap;
  out.height = rows * ch + (rows + 1) * gap;
  out.pixels.assign(size_t(out.width) * out.height * 3, 255);
  auto basePixel = [&](int y, int x, uint8_t rgb[3]) {
    const uint8_t *p = &base.pixels[(size_t(y) * cw + x) * base.channels];
    for (int c = 0; c < 3; ++c)
      rgb[c] = base.channels == 3 ? p[c] : p[0];
  };
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      int ox = gap + c * (cw + gap), oy = gap + r * (ch + gap);
      for (int y = 0; y < ch; ++y)
        for (int x = 0; x < cw; ++x) {
          uint8_t rgb[3], heat[3];
          basePixel(y, x, rgb);
          if (c > 0) {
            // The patch this pixel lies in (nearest: patches are blocks).
            int py = std::min(gh - 1, y * gh / ch),
                px = std::min(gw - 1, x * gw / cw);
            ramp(maps[r][c - 1][py * gw + px], heat);
            for (int k = 0; k < 3; ++k)
              rgb[k] = static_cast<uint8_t>((rgb[k] * 2 + heat[k] * 3 + 2) / 5);
          }
          uint8_t *o = &out.pixels[(size_t(oy + y) * out.width + ox + x) * 3];
          o[0] = rgb[0];
          o[1] = rgb[1];
          o[2] = rgb[2];
        }
    }
  return out;
}

} // namespace crate::run
