"""isoreplay's suite runner: every scenario under every build, classified and reported."""
