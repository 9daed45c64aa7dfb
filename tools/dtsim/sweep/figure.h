#pragma once
/**
 * The figure of a sweep's table (`dtsim sweep --plot`, `dtsim merge --plot`): a metric against
 * the first axis whose value varies, one line per combination of the other varying axes' values.
 * An axis whose values are all numbers, or all quantities of one kind ("1Gbps", "10Gbps": in
 * their base unit, bytes/s, named in the label), is a numeric x axis, logarithmic when its values
 * span two decades or more; otherwise its values are categories, in grid order. Rows that could not run, or have no number for the metric, are left out.
 *
 *     plot::Figure f = sweep_figure(meta, rows, "step_time_s");
 *
 * Errors: ConfigError at `<--plot-metric NAME>` when no row has a number in that column (the
 * message lists the numeric columns there are).
 */
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/dtsim/plot.h"
#include "tools/dtsim/sweep/table.h"

namespace dtsim::cli::sweep {

plot::Figure sweep_figure(const SweepMeta& meta, const std::vector<nlohmann::ordered_json>& rows,
                          const std::string& metric);

}  // namespace dtsim::cli::sweep
