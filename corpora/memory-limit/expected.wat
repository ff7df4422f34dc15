(module
  (memory (;0;) 17)
)
