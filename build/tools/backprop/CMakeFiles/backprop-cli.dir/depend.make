# Empty dependencies file for backprop-cli.
# This may be replaced when dependencies are built.
