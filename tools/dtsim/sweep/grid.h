#pragma once
/**
 * A sweep's grid: its axes (from the scenario's `sweep:` block and `--grid` arguments) and the
 * points they span. A point is a list of `key=value` overrides, applied to the scenario like
 * `--set`; values are YAML text, so maps and lists can be swept.
 *
 *     SweepAxes axes = read_sweep_block("s.yaml", sets, false);
 *     axes.product.push_back(parse_grid_axis("network.chunks=[1, 2, 4]"));
 *     for (const Point& p : grid_points(axes)) ...
 *
 * Errors: ConfigError at the `--grid` argument or the `sweep:` key (see each function).
 */
#include <string>
#include <utility>
#include <vector>

namespace dtsim::cli::sweep {

/** One axis: a key path and its values (YAML text each, flow style). */
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

/** Zip axes advance together (equal lengths); product axes cross everything. */
struct SweepAxes {
  std::vector<Axis> product;
  std::vector<Axis> zip;
  /** Every axis key, zip axes first, in the order their columns appear. */
  std::vector<std::string> keys() const;
};

/** A point: `key=value` overrides, in the order of SweepAxes::keys(). */
using Point = std::vector<std::pair<std::string, std::string>>;

/** The most points one sweep may have (checked before the points are built). */
inline constexpr double kMaxPoints = 1e6;

/**
 * One `--grid` argument: `key.path=[v1, v2, ...]` (a YAML sequence: elements may be maps or
 * lists) or the shorthand `key.path=v1,v2,...` (split on commas outside brackets, braces and
 * quotes, so `key={a: 1, b: 2}` is one value).
 * Errors: ConfigError at `<--grid TEXT>`: no `=`, an empty key or key segment, invalid YAML, a
 * bracketed value that is not a sequence, an empty list or an empty value.
 */
Axis parse_grid_axis(const std::string& text);

/**
 * The axes of the scenario's `sweep:` block ({product: {key: [values]}, zip: {key: [values]}}),
 * read after the `--set` overrides (so `--set sweep.product.x=[1, 2]` adds an axis); none when
 * `ignore_block` (`--no-sweep`).
 * Errors: ConfigError at the key: an unknown key under `sweep:`, an empty or non-list axis, zip
 * axes of unequal lengths; and whatever load_scenario_document reports.
 */
SweepAxes read_sweep_block(const std::string& path, const std::vector<std::string>& sets,
                           bool ignore_block);

/**
 * Every point: zip axes advance together, product axes cross (the last axis varies fastest).
 * Errors: ConfigError when two axes set the same key, or more than kMaxPoints points.
 */
std::vector<Point> grid_points(const SweepAxes& axes);

}  // namespace dtsim::cli::sweep
