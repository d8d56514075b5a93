file(REMOVE_RECURSE
  "libbackprop.a"
)
