"""The `grid` command: the original Grid CLI's team collaboration commands, on GridClient."""
