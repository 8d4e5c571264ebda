"""Where reglab writes: output folders that appear whole or not at all and never lose a user's file, one writer
per folder, the cache between processes, and the terminal's progress bars."""
