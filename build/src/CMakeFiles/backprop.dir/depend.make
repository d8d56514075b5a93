# Empty dependencies file for backprop.
# This may be replaced when dependencies are built.
