# Empty dependencies file for backprop_tests.
# This may be replaced when dependencies are built.
