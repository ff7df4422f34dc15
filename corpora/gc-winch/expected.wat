(module
  (type (;0;) (struct))
)
