#pragma once
/**
 * Built-in defaults of the named topology builders (topologies/presets.h): the text of the
 * ready-made topology file of each, compiled into the binary at build time so that the numbers
 * and their sources stay in configs/ (and a scenario anywhere can name the builder).
 *
 * | builder        | defaults from                                |
 * |----------------|----------------------------------------------|
 * | `nvl72`        | configs/topologies/gb200_nvl72.yaml          |
 * | `dgx_superpod` | configs/topologies/dgx_h100_superpod.yaml    |
 *
 * Errors: none (an unknown name is a programmer error: std::out_of_range).
 *
 *     ConfigNode d = preset_defaults("dgx_superpod");
 *     d["nodes"].integer();  // 32
 */
#include <string>

#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

/** The parsed defaults of named builder `builder`; errors in them name the file as
 *  `<built-in configs/topologies/...yaml>`. */
ConfigNode preset_defaults(const std::string& builder);

}  // namespace dtsim::cli
