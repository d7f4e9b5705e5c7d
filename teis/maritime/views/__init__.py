"""Pages of 水上执法 beyond the generic ones: live map, tracks, areas, sections, alerts, checkpoints, clues."""
